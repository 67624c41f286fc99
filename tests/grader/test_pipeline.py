"""The grading pipeline through a real Celery worker: predictions, verdicts, idempotency, the sweeper."""

import io

import pytest

from grader import tasks_catalog
from grader.models import Grading, Submission, SubmissionStatus, Verdict
from grader.services import submission_create
from tests.grader.conftest import assignment_make, wait_done

pytestmark = [pytest.mark.integration, pytest.mark.services]


def upload(assignment, user, content: bytes, name: str) -> Submission:
    return submission_create(assignment=assignment, user=user, upload=io.BytesIO(content), name=name)


def test_reference_predictions_score_exactly_the_baseline(course, student, celery_worker):
    assignment = assignment_make(course, task="fever-regression", kinds=("predictions",))
    reference = assignment.submissions.get(is_reference=True)
    wait_done(reference, worker=celery_worker)
    assert reference.status == SubmissionStatus.SCORED, reference.verdict_detail
    assignment.refresh_from_db()
    assert assignment.baseline_score == reference.score

    predictions = tasks_catalog.catalog_reference("fever-regression", epochs=1).predictions_path.read_bytes()
    submission = wait_done(upload(assignment, student, predictions, "preds.csv"), worker=celery_worker)
    assert submission.status == SubmissionStatus.SCORED
    assert submission.verdict == Verdict.SCORED
    assert (submission.score, submission.score_public, submission.score_private) == (
        reference.score,
        reference.score_public,
        reference.score_private,
    )
    assert submission.points == assignment.points
    assert submission.queued_at <= submission.started_at <= submission.finished_at <= submission.scored_at
    assert Grading.objects.filter(submission=submission).count() == 1
