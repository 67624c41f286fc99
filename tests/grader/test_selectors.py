"""Reads behind the pages: queue positions per queue, the assignment list, the staff's standings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from grader.models import Submission, SubmissionStatus
from grader.selectors import (
    assignment_cards_for_user,
    assignment_is_open,
    assignment_standings_for_staff,
    grading_queue_rows,
    submission_queue,
    submission_queue_position,
    submissions_today_count,
)
from tests.grader.conftest import assignment_make
from tests.grader.graded import graded, reference_graded, shifted_predictions, upload

pytestmark = pytest.mark.services

SCRIPT = b"import os\nprint(os.environ['DLIP_DATA_DIR'])\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def gpu_assignment(course):
    made = assignment_make(course, kinds=("predictions", "script"), use_gpu=True, title="On the GPU")
    reference_graded(made)
    return made


def test_queue_position_counts_only_the_same_queue_in_arrival_order(gpu_assignment, student, other_student):
    first_script = upload(gpu_assignment, student, SCRIPT, "a.py")
    predictions = upload(gpu_assignment, student, shifted_predictions(gpu_assignment, 0.1))
    second_script = upload(gpu_assignment, other_student, SCRIPT, "b.py")
    assert [submission_queue(submission=s) for s in (first_script, predictions, second_script)] == [
        "grading-gpu",
        "grading-cpu",
        "grading-gpu",
    ]
    positions = [submission_queue_position(submission=s) for s in (first_script, predictions, second_script)]
    assert positions == [1, 1, 2]

    Submission.objects.filter(pk=first_script.pk).update(status=SubmissionStatus.RUNNING)
    first_script.refresh_from_db()
    assert submission_queue_position(submission=first_script) is None
    assert submission_queue_position(submission=second_script) == 1


def test_same_instant_queueing_breaks_ties_by_id(gpu_assignment, student):
    one = upload(gpu_assignment, student, shifted_predictions(gpu_assignment, 0.1))
    two = upload(gpu_assignment, student, shifted_predictions(gpu_assignment, 0.2))
    Submission.objects.filter(pk__in=[one.pk, two.pk]).update(queued_at=timezone.now())
    one.refresh_from_db()
    two.refresh_from_db()
    assert (submission_queue_position(submission=one), submission_queue_position(submission=two)) == (1, 2)


def test_queue_rows_list_running_first_then_each_queue_in_order(gpu_assignment, student, grader_user):
    script = upload(gpu_assignment, student, SCRIPT, "a.py")
    predictions = upload(gpu_assignment, student, shifted_predictions(gpu_assignment, 0.1))
    running = upload(gpu_assignment, student, shifted_predictions(gpu_assignment, 0.2))
    Submission.objects.filter(pk=running.pk).update(
        status=SubmissionStatus.RUNNING, started_at=timezone.now() - timedelta(seconds=30), worker="w1@h"
    )
    rows = grading_queue_rows(user=grader_user)
    assert [(r.submission.pk, r.queue, r.position) for r in rows] == [
        (running.pk, "grading-cpu", None),
        (predictions.pk, "grading-cpu", 1),
        (script.pk, "grading-gpu", 1),
    ]
    assert rows[0].running_seconds is not None and rows[0].running_seconds >= 29
    assert grading_queue_rows(user=student) == []


def test_assignment_cards_show_my_count_and_best_public_score(course, gpu_assignment, student, instructor):
    worse = graded(gpu_assignment, student, shift=0.8)
    better = graded(gpu_assignment, student, shift=0.2)
    assert better.score_public < worse.score_public
    (group,) = assignment_cards_for_user(user=student)
    assert group.course == course and not group.is_staff
    (card,) = group.cards
    assert (card.submitted, card.best_public, card.is_open) == (2, better.score_public, True)
    (staff_group,) = assignment_cards_for_user(user=instructor)
    assert staff_group.is_instructor and staff_group.cards[0].submitted == 2
    assert staff_group.cards[0].best_public is None


def test_assignment_open_window_runs_to_the_late_cutoff(gpu_assignment):
    now = timezone.now()
    gpu_assignment.deadline = now - timedelta(hours=1)
    gpu_assignment.late_cutoff = now + timedelta(hours=1)
    assert assignment_is_open(assignment=gpu_assignment, now=now)
    assert not assignment_is_open(assignment=gpu_assignment, now=now + timedelta(hours=2))
    assert not assignment_is_open(
        assignment=gpu_assignment, now=gpu_assignment.opens_at - timedelta(seconds=1)
    )


def test_today_count_leaves_out_failed_submissions(gpu_assignment, student):
    kept = graded(gpu_assignment, student, shift=0.1)
    failed = graded(gpu_assignment, student, shift=0.2)
    Submission.objects.filter(pk=failed.pk).update(status=SubmissionStatus.FAILED)
    assert kept.status == SubmissionStatus.SCORED
    assert submissions_today_count(assignment=gpu_assignment, user=student) == 1


def test_standings_list_every_student_with_the_counting_submission(gpu_assignment, student, other_student):
    graded(gpu_assignment, student, shift=0.6)
    best = graded(gpu_assignment, student, shift=0.1)
    upload(gpu_assignment, student, shifted_predictions(gpu_assignment, 0.3))
    standings = {s.user.neptun_code: s for s in assignment_standings_for_staff(assignment=gpu_assignment)}
    mine = standings["ABC123"]
    assert (mine.submissions, mine.scored, mine.failed, mine.waiting) == (3, 2, 0, 1)
    assert (mine.counting_id, mine.score_private, mine.points) == (best.pk, best.score_private, best.points)
    nothing = standings["XYZ789"]
    assert (nothing.submissions, nothing.counting_id, nothing.score) == (0, None, None)
