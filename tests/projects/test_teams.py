"""Team registration and changes: size limits, enrollment, one team per student, permissions."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role
from accounts.services import enrollment_set
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from projects.models import TeamMembership
from projects.services import project_member_add, project_member_remove, project_register
from tests.factories import CourseFactory

pytestmark = pytest.mark.services


def test_register_adds_the_registering_student_and_normalises_codes(course, student, other_student):
    project = project_register(
        course=course,
        registered_by=student,
        title="  Bird songs ",
        member_codes=[" xyz789", "ABC123", "XYZ789"],
    )
    assert project.title == "Bird songs"
    codes = sorted(project.members.values_list("student__neptun_code", flat=True))
    assert codes == ["ABC123", "XYZ789"]
    assert set(project.members.values_list("course_id", flat=True)) == {course.id}


def test_a_team_of_one_is_allowed(course, student):
    project = project_register(course=course, registered_by=student, title="Solo")
    assert project.members.count() == 1


def test_five_members_are_refused(course, student, enrolled):
    others = enrolled("AAA111", "BBB222", "CCC333", "DDD444")
    with pytest.raises(PlatformError, match="1 to 4 members; this would make 5") as caught:
        project_register(
            course=course,
            registered_by=student,
            title="Too big",
            member_codes=[u.neptun_code for u in others],
        )
    assert caught.value.code == "team_size"
    project = project_register(
        course=course, registered_by=student, title="Four", member_codes=[u.neptun_code for u in others[:3]]
    )
    assert project.members.count() == 4


def test_members_must_be_students_of_the_course(course, student, instructor, enrolled):
    elsewhere = CourseFactory(code="VITMAB01")
    (outsider,) = enrolled("OUT001")
    enrollment_set(course=elsewhere, user=outsider, role=Role.STUDENT)
    outsider.enrollments.filter(course=course).delete()
    with pytest.raises(PlatformError, match="Not students of VITMMA19: OUT001, NOP999") as caught:
        project_register(course=course, registered_by=student, title="X", member_codes=["OUT001", "NOP999"])
    assert caught.value.code == "not_enrolled"
    with pytest.raises(PermissionDeniedError):
        project_register(course=course, registered_by=instructor, title="Staff project")


def test_invalid_neptun_code_says_what_a_code_looks_like(course, student):
    with pytest.raises(PlatformError, match="exactly 6 characters"):
        project_register(course=course, registered_by=student, title="X", member_codes=["AB-12"])


def test_a_student_is_in_one_team_per_course(course, student, other_student, enrolled):
    project_register(course=course, registered_by=student, title="First")
    with pytest.raises(PlatformError, match="You are already in the team “First”"):
        project_register(course=course, registered_by=student, title="Second")
    with pytest.raises(PlatformError, match=r"Already in another team: ABC123 \(“First”\)"):
        project_register(course=course, registered_by=other_student, title="Second", member_codes=["ABC123"])


def test_the_database_refuses_a_second_team_too(course, student, other_student):
    first = project_register(course=course, registered_by=student, title="First")
    second = project_register(course=course, registered_by=other_student, title="Second")
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMembership.objects.create(project=second, course=course, student=student)
    assert first.members.count() == 1


def test_same_student_may_have_a_team_in_another_course(course, student):
    other_course = CourseFactory(code="VITMAV45")
    enrollment_set(course=other_course, user=student, role=Role.STUDENT)
    project_register(course=course, registered_by=student, title="A")
    project_register(course=other_course, registered_by=student, title="B")
    assert TeamMembership.objects.filter(student=student).count() == 2


def test_member_add_checks_size_rights_and_other_teams(course, student, other_student, enrolled, grader_user):
    project = project_register(course=course, registered_by=student, title="Team")
    a, b, c, d = enrolled("AAA111", "BBB222", "CCC333", "DDD444")
    with pytest.raises(PermissionDeniedError):
        project_member_add(project=project, neptun_code="AAA111", by=other_student)
    project_member_add(project=project, neptun_code="aaa111", by=student)
    project_member_add(project=project, neptun_code="BBB222", by=grader_user)
    project_register(course=course, registered_by=d, title="Other")
    with pytest.raises(PlatformError, match="Already in another team: DDD444"):
        project_member_add(project=project, neptun_code="DDD444", by=student)
    project_member_add(project=project, neptun_code="CCC333", by=student)
    with pytest.raises(PlatformError, match="this would make 5"):
        project_member_add(project=project, neptun_code="XYZ789", by=student)
    with pytest.raises(PlatformError, match="Not students of VITMMA19"):
        project_member_add(project=project, neptun_code="ZZZ000", by=student)


def test_member_remove_self_or_staff_never_the_last(course, student, other_student, instructor):
    project = project_register(course=course, registered_by=student, title="Team", member_codes=["XYZ789"])
    with pytest.raises(PermissionDeniedError):
        project_member_remove(project=project, neptun_code="XYZ789", by=student)
    project_member_remove(project=project, neptun_code="XYZ789", by=other_student)
    with pytest.raises(PlatformError, match="at least one member"):
        project_member_remove(project=project, neptun_code="ABC123", by=instructor)
    with pytest.raises(NotFoundError):
        project_member_remove(project=project, neptun_code="XYZ789", by=instructor)
    # Having left, the student may register a team of their own.
    project_register(course=course, registered_by=other_student, title="New start")
