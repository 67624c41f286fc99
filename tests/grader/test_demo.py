"""``manage.py demo_data`` seeds the grader: assignments with baselines and graded submissions, once."""

import io
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from grader.demo import DEMO_ASSIGNMENTS
from grader.models import (
    Assignment,
    Grading,
    GradingComment,
    ManualGrade,
    RegradeRequest,
    RegradeStatus,
    Submission,
    SubmissionStatus,
    SubmissionVerdict,
)

pytestmark = pytest.mark.services


def test_demo_data_seeds_the_grader_once_with_scored_and_failed_submissions(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    started = time.monotonic()
    first = io.StringIO()
    call_command("demo_data", stdout=first)
    seconds = time.monotonic() - started
    call_command("demo_data", stdout=io.StringIO())
    print(f"demo_data (grader seed included) took {seconds:.1f} s")  # noqa: T201 - the figure in docs/grader.md

    titles = sorted(Assignment.objects.values_list("title", flat=True))
    assert titles == sorted(d.title for d in DEMO_ASSIGNMENTS)  # four, not eight
    for assignment in Assignment.objects.all():
        reference = assignment.submissions.get(is_reference=True)
        assert reference.status == SubmissionStatus.SCORED, reference.verdict_detail
        assert assignment.baseline_score == reference.score
    digits = Assignment.objects.get(task_key="digits-cnn")
    assert digits.submissions.get(is_reference=True).kind == "model"  # through the sandbox's model runner
    students = Submission.objects.filter(is_reference=False)
    scored = students.filter(status=SubmissionStatus.SCORED)
    assert scored.count() >= 10
    assert scored.values("user").distinct().count() >= 5
    assert len(set(scored.filter(assignment=digits).values_list("score", flat=True))) >= 4  # different scores
    assert scored.filter(assignment=digits, score=digits.baseline_score).exists()
    assert all(s.user.neptun_code and len(s.user.neptun_code) == 6 for s in scored)
    assert all(s.points is not None for s in scored)
    failed = students.get(status=SubmissionStatus.FAILED)
    assert failed.verdict == SubmissionVerdict.WRONG_FORMAT and failed.kind == "script"
    assert "Wrong prediction file format" in failed.verdict_detail
    no_change = scored.get(kind="script", assignment__task_key="fever-regression")  # run in the sandbox
    assert no_change.score > no_change.assignment.baseline_score  # no change is worse than the reference
    yesterday = scored.get(kind="script", assignment__task_key="nyc-temperature-lstm")
    sequence = yesterday.assignment
    # copying yesterday is worse than repeating the last hour, the default score for zero points
    assert yesterday.score > sequence.score_zero_points > sequence.baseline_score
    assert Grading.objects.count() == Submission.objects.count()  # each graded exactly once
    assert "grader: 'Demo HW1" in first.getvalue()


def test_demo_data_shows_a_graded_rubric_comments_and_a_regrade_request(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo_data", stdout=io.StringIO())
    closed = Assignment.objects.get(title__contains="graded by hand")
    assert closed.grades_published_at is not None and closed.deadline < timezone.now()
    assert closed.rubric_items.count() == 4
    grades = ManualGrade.objects.filter(assignment=closed)
    assert grades.count() == 4 and grades.exclude(graded_by__username="grader").count() == 0
    assert GradingComment.objects.filter(submission__assignment=closed).count() == 3
    request = RegradeRequest.objects.get(grade__assignment=closed)
    assert request.status == RegradeStatus.OPEN and "train.log" in request.reason
    transfer = Assignment.objects.get(task_key="texture-transfer")  # the demo's assignment with assets
    assert sorted(transfer.assets.values_list("name", flat=True)) == [
        "backbone.py",
        "backbone_state_dict.pt",
        "backbone_torchscript.pt",
    ]
