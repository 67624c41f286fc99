"""Team registration and changes: size limits, enrollment, one team per student, permissions; joining
only by accepting an invitation, and nobody stuck in a team (issue 10 §4)."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role
from accounts.services import enrollment_set
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from projects.models import MilestoneSubmission, Project, TeamInvitation, TeamMembership
from projects.services import (
    project_member_invite,
    project_member_remove,
    project_register,
    team_invitation_answer,
)
from tests.factories import CourseFactory
from tests.projects.conftest import team_build

pytestmark = pytest.mark.services


def codes(project) -> list[str]:
    return sorted(project.members.values_list("student__neptun_code", flat=True))


def accept(project, user):
    return team_invitation_answer(invitation=project.invitations.get(student=user), by=user, accept=True)


def test_register_makes_the_registrant_a_member_and_invites_the_others(course, student, other_student):
    project = project_register(
        course=course,
        registered_by=student,
        title="  Bird songs ",
        member_codes=[" xyz789", "ABC123", "XYZ789"],
    )
    assert project.title == "Bird songs"
    assert codes(project) == ["ABC123"]
    assert list(project.invitations.values_list("student__neptun_code", "invited_by")) == [
        ("XYZ789", student.pk)
    ]
    accept(project, other_student)
    assert codes(project) == ["ABC123", "XYZ789"] and not project.invitations.exists()
    assert set(project.members.values_list("course_id", flat=True)) == {course.id}


def test_nobody_is_listed_in_a_team_without_accepting(course, student, other_student):
    project = project_register(course=course, registered_by=student, title="Team", member_codes=["XYZ789"])
    assert not TeamMembership.objects.filter(student=other_student).exists()
    team_invitation_answer(invitation=project.invitations.get(), by=other_student, accept=False)
    assert codes(project) == ["ABC123"] and not project.invitations.exists()
    # Declined: free to register a team of their own.
    project_register(course=course, registered_by=other_student, title="Mine")


def test_only_the_invited_student_answers(course, student, other_student, enrolled, instructor):
    (third,) = enrolled("CCC333")
    project = project_register(course=course, registered_by=student, title="Team", member_codes=["XYZ789"])
    invitation = project.invitations.get()
    for intruder in (student, third, instructor):
        with pytest.raises(PermissionDeniedError):
            team_invitation_answer(invitation=invitation, by=intruder, accept=True)
    assert codes(project) == ["ABC123"]


def test_accepting_one_invitation_drops_the_others_and_a_member_cannot_accept_another(
    course, student, other_student, enrolled
):
    (third,) = enrolled("CCC333")
    first = project_register(course=course, registered_by=student, title="First", member_codes=["CCC333"])
    second = project_register(
        course=course, registered_by=other_student, title="Second", member_codes=["CCC333"]
    )
    accept(first, third)
    assert not TeamInvitation.objects.filter(student=third).exists()
    assert codes(first) == ["ABC123", "CCC333"] and codes(second) == ["XYZ789"]
    project_member_remove(project=first, neptun_code="CCC333", by=third)
    invitation = project_member_invite(project=second, neptun_code="CCC333", by=other_student)
    project_member_invite(project=first, neptun_code="CCC333", by=student)
    accept(first, third)
    with pytest.raises(NotFoundError, match="withdrawn"):  # it lapsed when they joined "First"
        team_invitation_answer(invitation=invitation, by=third, accept=True)
    stale = TeamInvitation.objects.create(project=second, student=third)  # e.g. made in the same instant
    with pytest.raises(PlatformError, match="already in the team “First”"):
        team_invitation_answer(invitation=stale, by=third, accept=True)
    assert codes(second) == ["XYZ789"]


def test_a_team_of_one_is_allowed(course, student):
    project = project_register(course=course, registered_by=student, title="Solo")
    assert project.members.count() == 1


def test_five_members_are_refused_counting_open_invitations(course, student, enrolled):
    others = enrolled("AAA111", "BBB222", "CCC333", "DDD444")
    with pytest.raises(PlatformError, match="1 to 4 members; this would make 5") as caught:
        project_register(
            course=course,
            registered_by=student,
            title="Too big",
            member_codes=[u.neptun_code for u in others],
        )
    assert caught.value.code == "team_size"
    project = team_build(course=course, registered_by=student, title="Four", members=others[:2])
    project_member_invite(project=project, neptun_code="CCC333", by=student)
    with pytest.raises(PlatformError, match="this would make 5"):
        project_member_invite(project=project, neptun_code="DDD444", by=student)
    accept(project, others[2])
    assert project.members.count() == 4


def test_members_must_be_students_of_the_course(course, student, instructor, enrolled):
    elsewhere = CourseFactory(code="VITMAB01")
    (outsider,) = enrolled("OUT001")
    enrollment_set(course=elsewhere, user=outsider, role=Role.STUDENT)
    outsider.enrollments.filter(course=course).delete()
    with pytest.raises(PlatformError, match="Not students of VITMMA19: OUT001, NOP999") as caught:
        project_register(course=course, registered_by=student, title="X", member_codes=["OUT001", "NOP999"])
    assert caught.value.code == "not_students_of_course"
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


def test_member_invite_checks_rights_other_teams_and_repeats(
    course, student, other_student, enrolled, grader_user
):
    project = project_register(course=course, registered_by=student, title="Team")
    a, b, c, d = enrolled("AAA111", "BBB222", "CCC333", "DDD444")
    with pytest.raises(PermissionDeniedError):
        project_member_invite(project=project, neptun_code="AAA111", by=other_student)
    project_member_invite(project=project, neptun_code="aaa111", by=student)
    with pytest.raises(PlatformError, match="AAA111 is already invited") as caught:
        project_member_invite(project=project, neptun_code="AAA111", by=student)
    assert caught.value.code == "already_invited"
    project_member_invite(project=project, neptun_code="BBB222", by=grader_user)  # staff may invite too
    assert codes(project) == ["ABC123"]  # but only accepting makes a member
    project_register(course=course, registered_by=d, title="Other")
    with pytest.raises(PlatformError, match="Already in another team: DDD444"):
        project_member_invite(project=project, neptun_code="DDD444", by=student)
    with pytest.raises(PlatformError, match="Not students of VITMMA19"):
        project_member_invite(project=project, neptun_code="ZZZ000", by=student)


def test_member_remove_self_or_staff(course, student, other_student, instructor):
    project = team_build(course=course, registered_by=student, title="Team", members=[other_student])
    with pytest.raises(PermissionDeniedError):
        project_member_remove(project=project, neptun_code="XYZ789", by=student)
    project_member_remove(project=project, neptun_code="XYZ789", by=other_student)
    with pytest.raises(NotFoundError):
        project_member_remove(project=project, neptun_code="XYZ789", by=instructor)
    # Having left, the student may register a team of their own.
    project_register(course=course, registered_by=other_student, title="New start")


def test_a_lone_member_can_leave_and_the_empty_team_is_dissolved(course, student, other_student):
    project = project_register(course=course, registered_by=student, title="Alone", member_codes=["XYZ789"])
    project_member_remove(project=project, neptun_code="ABC123", by=student)
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not TeamInvitation.objects.exists()  # nobody can join a dissolved team
    project_register(course=course, registered_by=student, title="Fresh start")


def test_a_dissolved_team_with_hand_ins_is_kept_for_the_record(course, student, milestones):
    project = project_register(course=course, registered_by=student, title="Alone")
    MilestoneSubmission.objects.create(
        project=project,
        milestone=milestones[0],
        repository_url="https://example.org/r",
        submitted_at=milestones[0].deadline,
    )
    project_member_remove(project=project, neptun_code="ABC123", by=student)
    assert Project.objects.filter(pk=project.pk).exists() and not project.members.exists()
    assert project.submissions.count() == 1


def test_a_student_who_left_the_course_cannot_accept_an_old_invitation(course, student, other_student):
    project = project_register(course=course, registered_by=student, title="Team", member_codes=["XYZ789"])
    other_student.enrollments.filter(course=course).delete()
    with pytest.raises(PermissionDeniedError, match="Only students of VITMMA19 join its teams"):
        accept(project, other_student)
    assert codes(project) == ["ABC123"]


def _at_once(*calls):
    """Run the calls in threads released together; return what each returned or raised."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_never_make_a_team_of_five_or_two_teams(
    course, student, other_student, enrolled
):
    a, b, c, d = enrolled("AAA111", "BBB222", "CCC333", "DDD444")
    full = team_build(course=course, registered_by=student, title="Almost full", members=[a, b])
    for late in (c, d):  # invitations made before the team filled up (e.g. by two members at once)
        TeamInvitation.objects.create(project=full, student=late)
    outcomes = _at_once(lambda: accept(full, c), lambda: accept(full, d))
    assert full.members.count() == 4
    assert sum(isinstance(o, PlatformError) and o.code == "team_size" for o in outcomes) == 1
    # One student, two teams' invitations, both accepted at once: one team.
    e, f = enrolled("EEE555", "FFF666")
    first = project_register(
        course=course, registered_by=other_student, title="First", member_codes=["EEE555"]
    )
    second = project_register(course=course, registered_by=f, title="Second", member_codes=["EEE555"])
    _at_once(lambda: accept(first, e), lambda: accept(second, e))
    assert TeamMembership.objects.filter(course=course, student=e).count() == 1
