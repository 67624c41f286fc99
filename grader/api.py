"""REST API of the grader: submit by token, poll a submission, read the leaderboard.

curl -H "Authorization: Token $TOKEN" -F file=@predictions.csv $SITE/api/assignments/3/submissions/
curl -H "Authorization: Token $TOKEN" $SITE/api/submissions/42/
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import request_user
from grader.models import SubmissionKind
from grader.selectors import (
    assignment_get_for_user,
    assignment_is_revealed,
    assignments_for_user,
    leaderboard_for_assignment,
    submission_get_for_user,
    submission_view,
    submissions_of_user,
)
from grader.services import submission_create
from grader.upload_turns import upload_turn


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assignment = serializers.IntegerField()
    neptun_code = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=SubmissionKind.choices)
    file_name = serializers.CharField()
    status = serializers.CharField(help_text="received, queued, running, scored or failed")
    queue_position = serializers.IntegerField(allow_null=True)
    verdict = serializers.CharField(allow_null=True)
    verdict_detail = serializers.CharField()
    delayed = serializers.BooleanField(
        help_text="true while its grading job could not be sent (a server is down): graded once it is back"
    )
    notice = serializers.CharField(help_text="a message for the student while grading is delayed, else empty")
    score_public = serializers.FloatField(allow_null=True)
    score_private = serializers.FloatField(allow_null=True, help_text="null until the private reveal")
    score = serializers.FloatField(allow_null=True, help_text="whole test set; null until the reveal")
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    late_days = serializers.IntegerField()
    run_seconds = serializers.FloatField(allow_null=True)
    log = serializers.CharField()
    failure = serializers.JSONField(
        allow_null=True,
        help_text="why the run failed, when it names it: where (cell or script), cell, line, error_type, "
        "message, excerpt_first_line, excerpt (source lines around the failing one); else null",
    )
    has_executed_notebook = serializers.BooleanField()
    attempts = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    queued_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    scored_at = serializers.DateTimeField(allow_null=True)
    revealed = serializers.BooleanField()


class SubmissionUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=SubmissionKind.choices, required=False)


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    course = serializers.CharField(source="course.code")
    title = serializers.CharField()
    task = serializers.CharField(source="task_key")
    kinds = serializers.ListField(child=serializers.CharField())
    metric = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    opens_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    late_cutoff = serializers.DateTimeField(allow_null=True)
    daily_limit = serializers.IntegerField()


class AssignmentListView(APIView):
    @extend_schema(responses=AssignmentSerializer(many=True))
    def get(self, request: Request) -> Response:
        assignments = assignments_for_user(user=request_user(request))
        return Response(AssignmentSerializer(assignments, many=True).data)


class AssignmentSubmissionsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=SubmissionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        assignment = assignment_get_for_user(user=user, pk=pk)
        rows = [
            submission_view(submission=s, viewer=user)
            for s in submissions_of_user(user=user, assignment=assignment)
        ]
        return Response(SubmissionSerializer(rows, many=True).data)

    @extend_schema(request=SubmissionUploadSerializer, responses={201: SubmissionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        received_at = timezone.now()  # the body is in; judged by this however long the turn takes
        # The multipart body is parsed lazily (request.FILES), so inside the turn like the rest.
        with upload_turn():
            user = request_user(request)
            assignment = assignment_get_for_user(user=user, pk=pk)
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": "Attach the file as the multipart field 'file'."})
            submission = submission_create(
                assignment=assignment,
                user=user,
                upload=upload,
                name=upload.name or "",
                kind=request.POST.get("kind") or None,
                received_at=received_at,
            )
            return Response(
                SubmissionSerializer(submission_view(submission=submission, viewer=user)).data,
                status=status.HTTP_201_CREATED,
            )


class SubmissionDetailView(APIView):
    @extend_schema(responses=SubmissionSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        submission = submission_get_for_user(user=user, pk=pk)
        return Response(SubmissionSerializer(submission_view(submission=submission, viewer=user)).data)


class LeaderboardView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("board", str, enum=["public", "private"], required=False)],
        responses=inline_serializer(
            "Leaderboard",
            {
                "board": serializers.CharField(),
                "available": serializers.BooleanField(),
                "baseline": serializers.FloatField(allow_null=True),
                "rows": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        assignment = assignment_get_for_user(user=user, pk=pk)
        private = request.query_params.get("board") == "private"
        board = leaderboard_for_assignment(assignment=assignment, viewer=user, private=private)
        rows = [
            {
                "rank": r.rank,
                "name": r.name,
                "score": r.score,
                "submitted_at": r.submitted_at,
                "entries": r.entries,
                "is_you": r.is_viewer,
            }
            for r in board.rows
        ]
        return Response(
            {
                "board": "private" if private else "public",
                "available": board.available,
                "revealed": assignment_is_revealed(assignment=assignment),
                "baseline": board.baseline,
                "rows": rows,
            }
        )
