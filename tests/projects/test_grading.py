"""Rubric grades, the offered-grade rule and the gradebook selector."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import PermissionDeniedError, PlatformError
from gradebook.selectors import gradebook_for_course, gradebook_for_student, gradebook_student_history
from projects.models import CriterionScore, MilestoneGrade, MilestoneGradeMember
from projects.selectors import (
    milestone_points_by_student,
    milestones_for_course,
    offered_grade_status,
    project_overviews,
)
from projects.services import (
    milestone_grade,
    milestone_submit,
    project_member_invite,
    project_member_remove,
    project_register,
    team_invitation_answer,
)
from tests.projects.conftest import pdf_upload

pytestmark = pytest.mark.services


def hand_in(project, milestone, by, *, late=False, in_english=True):
    return milestone_submit(
        project=project,
        milestone=milestone,
        submitted_by=by,
        repository_url="https://github.com/team/project",
        pdf=pdf_upload() if milestone.needs_pdf else None,
        in_english=in_english,
        now=milestone.deadline + (timedelta(hours=1) if late else -timedelta(hours=1)),
    )


def full_marks(milestone):
    return {c.id: c.max_points for c in milestone.criteria.all()}


def test_grade_with_rubric_and_regrade(team, milestones, student, grader_user, instructor):
    first = milestones[0]
    submission = hand_in(team, first, student)
    criteria = list(first.criteria.order_by("order"))
    grade = milestone_grade(
        project=team,
        milestone=first,
        grader=grader_user,
        scores={criteria[0].id: "4.5", criteria[1].id: 5, criteria[2].id: "0", criteria[3].id: "3,5"},
        comment="  Good split.  ",
    )
    assert grade.points == Decimal("13.0") and grade.comment == "Good split."
    assert grade.submission == submission and grade.graded_by == grader_user
    assert CriterionScore.objects.filter(grade=grade).count() == 4
    regrade = milestone_grade(project=team, milestone=first, grader=instructor, scores=full_marks(first))
    assert regrade.id == grade.id and regrade.points == Decimal(20)
    assert MilestoneGrade.objects.count() == 1 and CriterionScore.objects.count() == 4


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5.5", "takes 0 to 5.0 points"),
        ("-1", "takes 0 to 5.0"),
        ("abc", "not a number"),
        ("2.25", "one decimal"),
    ],
)
def test_scores_stay_within_the_rubric(team, milestones, student, grader_user, value, message):
    first = milestones[0]
    hand_in(team, first, student)
    scores = full_marks(first)
    scores[next(iter(scores))] = value
    with pytest.raises(PlatformError, match=message):
        milestone_grade(project=team, milestone=first, grader=grader_user, scores=scores)
    assert not MilestoneGrade.objects.exists()


def test_every_criterion_needs_a_score_and_something_to_grade(team, milestones, student, grader_user):
    first, second, _ = milestones
    with pytest.raises(PlatformError, match="Nothing to grade"):
        milestone_grade(project=team, milestone=first, grader=grader_user, scores=full_marks(first))
    hand_in(team, first, student)
    scores = full_marks(first)
    scores.pop(next(iter(scores)))
    with pytest.raises(PlatformError, match="missing: Data acquisition"):
        milestone_grade(project=team, milestone=first, grader=grader_user, scores=scores)
    with pytest.raises(PlatformError, match="another milestone"):
        milestone_grade(
            project=team,
            milestone=first,
            grader=grader_user,
            scores={**full_marks(first), **full_marks(second)},
        )


def test_students_cannot_grade(team, milestones, student, other_student):
    first = milestones[0]
    hand_in(team, first, student)
    for user in (student, other_student):
        with pytest.raises(PermissionDeniedError):
            milestone_grade(project=team, milestone=first, grader=user, scores=full_marks(first))


def test_a_graded_milestone_is_closed_to_resubmission(team, milestones, student, grader_user):
    first = milestones[0]
    hand_in(team, first, student)
    milestone_grade(project=team, milestone=first, grader=grader_user, scores=full_marks(first))
    with pytest.raises(PlatformError, match="already graded") as caught:
        hand_in(team, first, student)
    assert caught.value.code == "already_graded"


# --- The offered-grade rule --------------------------------------------------------------------


def complete(team, milestones, student, grader_user):
    """Hand in every milestone on time and in English; grade the final."""
    for milestone in milestones:
        hand_in(team, milestone, student)
    final = milestones[2]
    milestone_grade(project=team, milestone=final, grader=grader_user, scores=full_marks(final))


def test_offered_grade_when_everything_is_on_time_in_english_and_graded(
    team, milestones, student, grader_user
):
    status = offered_grade_status(project=team)
    assert not status.eligible
    assert "Milestone 1: data was not submitted." in status.reasons
    assert "Final submission: not submitted yet." in status.reasons
    complete(team, milestones, student, grader_user)
    status = offered_grade_status(project=team)
    assert status.eligible and status.reasons == []


def test_a_late_milestone_loses_the_offered_grade(team, milestones, student, grader_user):
    for milestone in milestones:
        hand_in(team, milestone, student, late=milestone.order == 2)
    milestone_grade(
        project=team, milestone=milestones[2], grader=grader_user, scores=full_marks(milestones[2])
    )
    status = offered_grade_status(project=team)
    assert not status.eligible
    assert status.reasons == ["Milestone 2: baseline model was submitted after the deadline."]


def test_a_late_resubmission_keeps_the_on_time_hand_in_and_the_offered_grade(
    team, milestones, student, grader_user
):
    # The course looks at the last commit before the deadline: a later hand-in is kept for the record only.
    complete(team, milestones, student, grader_user)
    hand_in(team, milestones[0], student, late=True)
    status = offered_grade_status(project=team)
    assert status.eligible and status.reasons == []


def test_a_milestone_handed_in_only_after_the_deadline_is_late(team, milestones, student, grader_user):
    hand_in(team, milestones[0], student, late=True)
    hand_in(team, milestones[0], student, late=True)
    assert "Milestone 1: data was submitted after the deadline." in offered_grade_status(project=team).reasons


def test_a_late_final_does_not_matter_but_english_does(team, milestones, student, grader_user):
    for milestone in milestones:
        hand_in(team, milestone, student, late=milestone.order == 3, in_english=milestone.order != 1)
    milestone_grade(
        project=team, milestone=milestones[2], grader=grader_user, scores=full_marks(milestones[2])
    )
    status = offered_grade_status(project=team)
    assert status.reasons == ["Not attested to be in English: Milestone 1: data."]


def test_final_must_be_graded(team, milestones, student):
    for milestone in milestones:
        hand_in(team, milestone, student)
    assert offered_grade_status(project=team).reasons == ["Final submission: not graded yet."]


# --- The gradebook selector ----------------------------------------------------------------------


def test_points_for_course_per_neptun_code(course, team, milestones, student, grader_user, enrolled):
    first, second, _ = milestones
    hand_in(team, first, student)
    milestone_grade(project=team, milestone=first, grader=grader_user, scores=full_marks(first))
    (solo,) = enrolled("SOLO01")
    project_register(course=course, registered_by=solo, title="Solo")
    assert [m.id for m in milestones_for_course(course=course)] == [m.id for m in milestones]
    assert milestone_points_by_student(course=course) == {
        "ABC123": {first.id: Decimal(20)},
        "XYZ789": {first.id: Decimal(20)},
    }  # SOLO01: in a team, nothing graded yet


def test_course_selectors_run_a_fixed_number_of_queries(course, milestones, grader_user, enrolled):
    def add_teams(start, count):
        for i in range(start, start + count):
            (member,) = enrolled(f"Q{i:05d}")
            project = project_register(course=course, registered_by=member, title=f"T{i}")
            hand_in(project, milestones[0], member)
            milestone_grade(
                project=project, milestone=milestones[0], grader=grader_user, scores=full_marks(milestones[0])
            )

    add_teams(0, 2)
    with CaptureQueriesContext(connection) as few:
        milestone_points_by_student(course=course)
        overviews = project_overviews(course=course)
        [o.project.members.all()[0].student.neptun_code for o in overviews]
        [s.grade.scores.all()[0].criterion.name for o in overviews for s in o.statuses if s.grade]
    add_teams(2, 5)
    with CaptureQueriesContext(connection) as many:
        milestone_points_by_student(course=course)
        overviews = project_overviews(course=course)
        [o.project.members.all()[0].student.neptun_code for o in overviews]
        [s.grade.scores.all()[0].criterion.name for o in overviews for s in o.statuses if s.grade]
    assert len(overviews) == 7
    assert len(many.captured_queries) == len(few.captured_queries) <= 10


# --- Who is credited with a team grade (issue 10 §4) -------------------------------------------------


def gradebook_points(course, student, milestone):
    row = gradebook_for_student(course=course, student=student, as_student=False).rows[0]
    cell = row.cell(f"milestone:{milestone.pk}")
    assert cell is not None
    return None if cell.missing else cell.points


def test_a_student_who_joins_after_grading_gets_none_of_those_points(
    course, team, milestones, student, other_student, grader_user, enrolled
):
    first, second, _ = milestones
    hand_in(team, first, student)
    milestone_grade(project=team, milestone=first, grader=grader_user, scores=full_marks(first))
    (late_joiner,) = enrolled("LATE01")
    project_member_invite(project=team, neptun_code="LATE01", by=student)
    team_invitation_answer(invitation=team.invitations.get(), by=late_joiner, accept=True)
    # A regrade changes the points, not who gets them.
    milestone_grade(
        project=team, milestone=first, grader=grader_user, scores={c.id: 1 for c in first.criteria.all()}
    )
    hand_in(team, second, late_joiner)
    milestone_grade(project=team, milestone=second, grader=grader_user, scores=full_marks(second))
    assert gradebook_points(course, late_joiner, first) is None
    assert gradebook_points(course, late_joiner, second) == Decimal(20)
    history = gradebook_student_history(course=course, student=late_joiner, as_student=False)
    shown = {m.column.object_id: m.grade for m in history.section("projects").context["milestones"]}
    assert shown[first.pk] is None and shown[second.pk] is not None  # the record agrees with the cell
    assert (
        gradebook_points(course, student, first)
        == Decimal(4)
        == gradebook_points(course, other_student, first)
    )
    assert milestone_points_by_student(course=course)["LATE01"] == {second.id: Decimal(20)}
    assert set(
        MilestoneGradeMember.objects.filter(grade__milestone=first).values_list(
            "student__neptun_code", flat=True
        )
    ) == {
        "ABC123",
        "XYZ789",
    }


def test_a_member_who_leaves_after_grading_keeps_the_points_earned(
    course, team, milestones, student, other_student, grader_user
):
    first = milestones[0]
    hand_in(team, first, student)
    milestone_grade(project=team, milestone=first, grader=grader_user, scores=full_marks(first))
    project_member_remove(project=team, neptun_code="XYZ789", by=other_student)
    assert gradebook_points(course, other_student, first) == Decimal(20)
    history = gradebook_student_history(course=course, student=other_student, as_student=True)
    assert [m.grade.points for m in history.section("projects").context["milestones"] if m.grade] == [
        Decimal(20)
    ]
    assert gradebook_for_course(course=course).rows[1].cell(f"milestone:{first.pk}").points == Decimal(20)


def test_the_migration_credits_grades_given_before_it_to_the_members_then(
    team, milestones, student, grader_user
):
    first = milestones[0]
    hand_in(team, first, student)
    milestone_grade(project=team, milestone=first, grader=grader_user, scores=full_marks(first))
    MilestoneGradeMember.objects.all().delete()
    migration = importlib.import_module("projects.migrations.0002_rights_team_invitations_grade_members")
    migration.credit_existing_grades(apps, None)
    assert sorted(MilestoneGradeMember.objects.values_list("student__neptun_code", flat=True)) == [
        "ABC123",
        "XYZ789",
    ]
