"""REST API: who am I, my courses, and a course roster for its staff."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Course, Enrollment
from accounts.roster import roster_import
from accounts.selectors import (
    course_is_instructor,
    course_is_staff,
    course_role,
    courses_for_user,
    roster_for_course,
)
from core.http import request_user


class CourseSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = ["code", "title", "term", "role"]

    def get_role(self, course: Course) -> str | None:
        return course_role(user=self.context["request"].user, course=course)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    neptun_code = serializers.CharField(allow_null=True)
    full_name = serializers.CharField()
    courses = CourseSerializer(many=True)


class EnrollmentSerializer(serializers.ModelSerializer):
    neptun_code = serializers.CharField(source="user.neptun_code")
    name = serializers.CharField(source="user.display_name")
    email = serializers.CharField(source="user.email")
    active = serializers.BooleanField(source="user.is_active")

    class Meta:
        model = Enrollment
        fields = ["neptun_code", "name", "email", "role", "active"]


class RosterImportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.DictField())


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request_user(request)
        courses = courses_for_user(user=user)
        data = {
            "username": user.username,
            "neptun_code": user.neptun_code,
            "full_name": user.display_name,
            "courses": CourseSerializer(courses, many=True, context={"request": request}).data,
        }
        return Response(data)


class CourseRosterView(APIView):
    parser_classes = [MultiPartParser]

    def _course(self, request: Request, code: str) -> Course:
        course = get_object_or_404(Course, code=code)
        if not course_is_staff(user=request_user(request), course=course):
            raise PermissionDenied("Only the course's instructors and graders see its roster.")
        return course

    @extend_schema(responses=EnrollmentSerializer(many=True))
    def get(self, request: Request, code: str) -> Response:
        course = self._course(request, code)
        return Response(EnrollmentSerializer(roster_for_course(course=course), many=True).data)

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses=RosterImportSerializer,
    )
    def post(self, request: Request, code: str) -> Response:
        course = self._course(request, code)
        if not course_is_instructor(user=request_user(request), course=course):
            raise PermissionDenied("Only instructors import rosters.")
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": "Attach the roster file exported from Neptun as `file`."})
        report = roster_import(course=course, filename=upload.name, content=upload.read())
        return Response(
            {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "enrolled": report.enrolled,
                "problems": [{"line": p.line, "reason": p.reason} for p in report.problems],
            }
        )
