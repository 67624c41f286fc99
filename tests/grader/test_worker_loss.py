"""A grading worker killed with SIGKILL in the middle of a job: the submission is graded again, exactly once.

How it comes back (embedded mode, kombu's filesystem transport): the job's message file is taken off the
queue when a worker receives it, so a worker killed whole loses the message; a killed pool process makes
the worker's main process put it back (``reject_on_worker_lost``), but the redelivered job finds the
submission RUNNING under the dead attempt's claim and leaves it. Either way the sweeper
(``manage.py grading_sweep``, or Celery beat's ``grader.sweep_submissions``) re-queues a submission that has
been RUNNING past its wall time plus a grace, and the unique (submission, generation) grading row keeps
the result single.
"""

import io
import os
import signal
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from grader import problem_catalog
from grader.models import Grading, Submission, SubmissionStatus
from grader.services import submission_create
from tests.conftest import ManagedProcess, worker_start
from tests.grader.conftest import REFERENCE_EPOCHS, assignment_make, wait_done
from tests.grader.test_pipeline import carrying_script

pytestmark = [pytest.mark.integration, pytest.mark.services]

TASK = "fever-regression"
WALL_SECONDS = 6


def slow_script() -> bytes:
    predictions = problem_catalog.catalog_reference(
        TASK, epochs=REFERENCE_EPOCHS
    ).predictions_path.read_bytes()
    return ("import time\ntime.sleep(2.5)\n" + carrying_script(predictions)).encode()


def wait_running(submission: Submission, *, timeout: float = 60) -> Submission:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        submission.refresh_from_db()
        if submission.status == SubmissionStatus.RUNNING:
            return submission
        time.sleep(0.05)
    raise AssertionError(f"submission {submission.pk} never started: {submission.status}")


def pool_children(worker: ManagedProcess) -> list[int]:
    pid = worker.process.pid
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


def jobs_received(worker: ManagedProcess) -> list[str]:
    lines = worker.log().splitlines()
    return [line for line in lines if "grader.grade_submission[" in line and "received" in line]


def sweep_after_the_wall_time(submission: Submission) -> str:
    """Run the sweeper once the dead attempt has been RUNNING past its wall time (grace 0)."""
    assert submission.started_at is not None
    while timezone.now() <= submission.started_at + timedelta(seconds=WALL_SECONDS + 0.5):
        time.sleep(0.2)
    out = io.StringIO()
    call_command("grading_sweep", "--grace", "0", stdout=out)
    return out.getvalue()


@pytest.fixture
def assignment(course, celery_worker):
    made = assignment_make(course, task=TASK, kinds=("predictions", "script"), wall_seconds=WALL_SECONDS)
    wait_done(made.submissions.get(is_reference=True), worker=celery_worker)
    made.refresh_from_db()
    return made


def assert_graded_once(submission: Submission, *, baseline: float | None) -> None:
    assert submission.status == SubmissionStatus.SCORED, (submission.verdict_detail, submission.log[-2000:])
    assert submission.score == baseline
    gradings = list(Grading.objects.filter(submission=submission))
    assert len(gradings) == 1 and gradings[0].attempt == 2 and submission.attempts == 2
    again = io.StringIO()
    call_command("grading_sweep", "--grace", "0", stdout=again)
    assert "requeued 0, resent 0, failed 0" in again.getvalue()
    time.sleep(1)
    assert Grading.objects.filter(submission=submission).count() == 1


def test_whole_worker_killed_mid_job_is_graded_again_exactly_once(
    assignment, student, celery_worker, tmp_path
):
    submission = submission_create(
        assignment=assignment, user=student, upload=io.BytesIO(slow_script()), name="solution.py"
    )
    submission = wait_running(submission)
    time.sleep(1.0)  # the student's script is running in the sandbox
    celery_worker.kill(signal.SIGKILL)  # main process and pool together, no chance to clean up
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RUNNING and submission.attempts == 1
    assert not Grading.objects.filter(submission=submission).exists()

    replacement = worker_start(tmp_path, name="replacement")
    try:
        assert "requeued 1, resent 0, failed 0" in sweep_after_the_wall_time(submission)
        done = wait_done(submission, worker=replacement, timeout=60)
        assert_graded_once(done, baseline=assignment.baseline_score)
        assert done.worker.startswith("replacement@")
    finally:
        replacement.kill(signal.SIGTERM)


def test_pool_process_killed_mid_job_is_graded_again_exactly_once(assignment, student, celery_worker):
    submission = submission_create(
        assignment=assignment, user=student, upload=io.BytesIO(slow_script()), name="solution.py"
    )
    submission = wait_running(submission)
    time.sleep(1.0)
    (child,) = pool_children(celery_worker)
    os.kill(child, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while "WorkerLostError" not in celery_worker.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "WorkerLostError" in celery_worker.log()  # the main process saw its pool process die
    assert celery_worker.process.poll() is None
    # The put-back message is received again (the reference's, the first and the redelivered job) ...
    deadline = time.monotonic() + 30
    while len(jobs_received(celery_worker)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(jobs_received(celery_worker)) == 3, jobs_received(celery_worker)
    time.sleep(1.0)  # ... and leaves the submission claimed by the dead attempt alone
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RUNNING and submission.attempts == 1

    assert "requeued 1, resent 0, failed 0" in sweep_after_the_wall_time(submission)
    done = wait_done(submission, worker=celery_worker, timeout=60)
    assert_graded_once(done, baseline=assignment.baseline_score)


def test_beat_runs_the_sweeper_so_a_lost_job_comes_back_without_anyone(
    assignment, student, celery_worker, tmp_path
):
    """The embedded mode's worker runs beat (``-B``, as ``dev.py demo`` starts it): nobody runs the sweep."""
    submission = submission_create(
        assignment=assignment, user=student, upload=io.BytesIO(slow_script()), name="solution.py"
    )
    submission = wait_running(submission)
    time.sleep(1.0)
    celery_worker.kill(signal.SIGKILL)
    replacement = worker_start(
        tmp_path, name="beat", beat=True, GRADER_SWEEP_SECONDS="1", GRADER_SWEEP_GRACE_SECONDS="0"
    )
    try:
        done = wait_done(submission, worker=replacement, timeout=90)
        assert_graded_once(done, baseline=assignment.baseline_score)
        assert "grader.sweep_submissions" in replacement.log()  # beat sent the sweep; the worker ran it
    finally:
        replacement.kill(signal.SIGTERM)
