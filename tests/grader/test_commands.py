"""``manage.py create_assignment``: a thin wrapper over ``assignment_create`` with clear errors."""

import io
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from grader.models import Assignment, Grading, SubmissionStatus
from tests.grader.conftest import REFERENCE_EPOCHS

pytestmark = pytest.mark.services


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_assignment", *args, stdout=out)
    return out.getvalue()


def test_creates_the_assignment_and_queues_the_reference_as_a_student_submission(course):
    out = run(
        "--course", "vitmma19", "--task", "fever-classification", "--title", "Fever classes",
        "--kinds", "predictions,script", "--points", "12.5", "--opens", "2026-01-05T08:00",
        "--deadline", "2026-01-19 23:59", "--late-penalty", "20", "--daily-limit", "3",
        "--public-fraction", "0.4", "--wall-seconds", "90", "--memory", "1024",
        "--reference-epochs", str(REFERENCE_EPOCHS),
    )  # fmt: skip
    made = Assignment.objects.get()
    assert f"Assignment {made.pk} created in VITMMA19: Fever classes" in out
    assert (made.course, made.task_key, made.kinds, str(made.points)) == (
        course,
        "fever-classification",
        ["predictions", "script"],
        "12.50",
    )
    assert timezone.localtime(made.opens_at).replace(tzinfo=None) == datetime(2026, 1, 5, 8, 0)
    assert timezone.localtime(made.deadline).replace(tzinfo=None) == datetime(2026, 1, 19, 23, 59)
    assert (made.late_penalty_percent_per_day, made.daily_limit, made.public_fraction) == (20.0, 3, 0.4)
    assert (made.wall_seconds, made.memory_mb, made.use_gpu) == (90, 1024, False)
    assert made.score_zero_points == pytest.approx(1 / 3)
    reference = made.submissions.get()
    assert reference.is_reference and reference.user is None and reference.kind == "predictions"
    assert reference.status == SubmissionStatus.QUEUED and made.baseline_score is None


def test_grade_now_scores_the_reference_through_the_sandbox_as_the_baseline(course):
    out = run(
        "--course", "VITMMA19", "--task", "fever-regression", "--kinds", "model,predictions",
        "--score-zero-points", "5", "--wall-seconds", "60", "--memory", "2048", "--gpu",
        "--reference-epochs", str(REFERENCE_EPOCHS), "--grade-now",
    )  # fmt: skip
    made = Assignment.objects.get()
    reference = made.submissions.get()
    assert reference.kind == "model"  # run by the sandbox's model runner, like a student's model
    assert reference.status == SubmissionStatus.SCORED, reference.verdict_detail
    assert made.baseline_score == reference.score and made.use_gpu
    assert f"Baseline mae {made.baseline_score:.4f}." in out
    assert Grading.objects.filter(submission=reference).count() == 1
    assert made.title  # the task's own title when none is given


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--course", "NOPE01", "--task", "fever-regression"], "No course 'NOPE01' (courses: VITMMA19)."),
        (["--course", "VITMMA19", "--task", "cifar-100"], "Unknown task 'cifar-100'; choose one of"),
        (["--task", "fever-regression", "--kinds", "predictions,video"], "--kinds: video is not a"),
        (["--task", "fever-regression", "--deadline", "next friday"], "--deadline: 'next friday' is not a"),
        (["--task", "fever-regression", "--points", "ten"], "--points: 'ten' is not a number."),
        (["--task", "fever-regression", "--reference-epochs", "0"], "--reference-epochs must be at least 1"),
        (["--task", "fever-regression"], "Give the score that earns zero points"),
        (
            ["--task", "fever-classification", "--opens", "2026-02-01T0:00", "--deadline", "2026-01-01"],
            "The deadline must be after the opening time.",
        ),
        (["--task", "fever-classification", "--public-fraction", "1"], "public fraction must be between"),
    ],
)
def test_bad_input_is_a_clear_command_error_and_creates_nothing(course, args, message):
    if "--course" not in args:
        args = ["--course", "VITMMA19", *args]
    if "--reference-epochs" not in args:
        args = [*args, "--reference-epochs", str(REFERENCE_EPOCHS)]
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert message in str(raised.value)
    assert not Assignment.objects.exists()
