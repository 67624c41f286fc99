"""Closing a term: read-only for uploads, games and grades until an explicit, recorded reopening."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import PermissionDeniedError, PlatformError
from gradebook.exports import gradebook_csv
from gradebook.models import Adjustment
from gradebook.selectors import gradebook_for_course
from gradebook.services import adjustment_record, adjustment_withdraw, weights_set
from grader.models import Assignment, Submission
from grader.services import AssignmentRules, assignment_create, assignment_regrade, submission_create
from lifecycle.models import CourseTerm, TermEvent, TermEventKind
from lifecycle.services import (
    CourseClosedError,
    course_assert_writable,
    course_close,
    course_erasure_due,
    course_reopen,
)
from projects.models import MilestoneGrade
from projects.services import milestone_grade, milestone_submit
from quizzes.models import Player
from quizzes.services import game_create, player_join, player_remove

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def _every_change(scenario, course, student, instructor) -> dict:
    """One attempt per kind of write that a closed term must refuse."""
    homework = scenario.upcoming
    Assignment.objects.filter(pk=homework.pk).update(opens_at=timezone.now() - timedelta(days=1))
    homework.refresh_from_db()
    criterion = scenario.milestone.criteria.get()
    player = Player.objects.filter(game=scenario.game).first()
    running = game_create(quiz=scenario.game.quiz, host=instructor, course=course)
    adjustment = Adjustment.objects.create(
        course=course,
        student=student,
        column_key=f"assignment:{scenario.homework.pk}",
        kind="excused",
        reason="ill",
        created_by=instructor,
        created_at=timezone.now(),
    )
    return {
        "upload": lambda: submission_create(
            assignment=homework, user=student, upload=io.BytesIO(b"id,value\n0,1\n"), name="p.csv"
        ),
        "game": lambda: game_create(quiz=scenario.game.quiz, host=instructor, course=course),
        "join a game left running": lambda: player_join(game=running, neptun_code=student.neptun_code),
        "remove player": lambda: player_remove(game=scenario.game, player_id=player.pk, by=instructor),
        "weights": lambda: weights_set(
            course=course, by=instructor, quiz=Decimal(1), assignment=Decimal(1), milestone=Decimal(1)
        ),
        "override": lambda: adjustment_record(
            course=course,
            student=student,
            column_key=f"assignment:{scenario.homework.pk}",
            kind="override",
            reason="appeal",
            points=Decimal("9"),
            by=instructor,
        ),
        "withdraw": lambda: adjustment_withdraw(adjustment=adjustment, by=instructor),
        "rubric": lambda: milestone_grade(
            project=scenario.project,
            milestone=scenario.milestone,
            grader=instructor,
            scores={criterion.pk: "3"},
        ),
        "hand-in": lambda: milestone_submit(
            project=scenario.project,
            milestone=scenario.milestone,
            submitted_by=student,
            repository_url="https://example.org/x",
            in_english=True,
        ),
        "regrade": lambda: assignment_regrade(assignment=scenario.homework, by=instructor),
        "new assignment": lambda: assignment_create(
            course=course,
            by=instructor,
            task_key="fever-regression",
            rules=AssignmentRules(title="Late idea"),
        ),
    }


def test_a_closed_term_refuses_every_upload_game_and_grade_change(scenario, course, student, instructor):
    changes = _every_change(scenario, course, student, instructor)
    course_close(course=course, by=instructor)
    counts = (Submission.objects.count(), Adjustment.objects.count(), MilestoneGrade.objects.get().points)
    for name, change in changes.items():
        with pytest.raises(CourseClosedError) as refused:
            change()
        assert refused.value.code == "course_closed", name
        assert "VITMMA19 is closed" in refused.value.message, name
    assert (
        Submission.objects.count(),
        Adjustment.objects.count(),
        MilestoneGrade.objects.get().points,
    ) == counts
    assert Player.objects.filter(removed_at__isnull=False).count() == 0
    assert Adjustment.objects.filter(withdrawn_at__isnull=False).count() == 0


def test_reopening_with_a_reason_lets_changes_through_again_and_is_recorded(
    scenario, course, student, instructor
):
    course_close(course=course, by=instructor)
    with pytest.raises(PlatformError):
        course_reopen(course=course, by=instructor, reason="  ")
    course_reopen(course=course, by=instructor, reason="Exam board: regrade of HW1")
    event = TermEvent.objects.get(course=course, kind=TermEventKind.REOPENED)
    assert event.by == instructor and event.reason == "Exam board: regrade of HW1"
    changes = _every_change(scenario, course, student, instructor)
    changes["weights"]()
    changes["override"]()
    assert Adjustment.objects.filter(kind="override").count() == 1


def test_closing_freezes_the_final_export_with_its_date(scenario, course, instructor):
    at = timezone.now()
    expected = gradebook_csv(gradebook=gradebook_for_course(course=course, now=at))
    term = course_close(course=course, by=instructor, now=at)
    assert term.final_export_csv == expected and term.final_export_at == at
    assert "ABC123" in term.final_export_csv
    # Closing again changes nothing: the export stays the one made at closing.
    course_close(course=course, by=instructor, now=at + timedelta(days=3))
    assert CourseTerm.objects.get(course=course).final_export_at == at
    assert course_erasure_due(course=course) == at + timedelta(days=term.retention_days)


def test_only_instructors_close_or_reopen(scenario, course, student, grader_user, instructor):
    for person in (student, grader_user):
        with pytest.raises(PermissionDeniedError):
            course_close(course=course, by=person)
    course_close(course=course, by=instructor)
    with pytest.raises(PermissionDeniedError):
        course_reopen(course=course, by=grader_user, reason="please")


def test_an_open_course_and_a_game_without_course_are_writable(course):
    course_assert_writable(course=course)
    course_assert_writable(course=None)


def test_course_term_command_closes_and_reopens(scenario, course, capsys):
    call_command("course_term", "VITMMA19", "close", "--retention-days", "365")
    assert "closed at" in capsys.readouterr().out
    with pytest.raises(CourseClosedError):
        course_assert_writable(course=course)
    call_command("course_term", "VITMMA19", "reopen", "--reason", "late appeal")
    course_assert_writable(course=course)


def test_a_hungarian_reader_gets_the_refusal_in_hungarian(course, instructor):
    from django.utils import translation

    course_close(course=course, by=instructor)
    with translation.override("hu"), pytest.raises(CourseClosedError, match="féléve le van zárva"):
        course_assert_writable(course=course)
