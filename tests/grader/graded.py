"""Helpers for the web tests: submissions graded in-process by the real pipeline (no worker needed).

``submission_grade`` is the function the Celery task calls; for predictions no sandbox runs, so a test
gets real scores (public, private, full, points) in milliseconds.
"""

import io
from datetime import timedelta

from django.utils import timezone

from grader import problem_catalog
from grader.models import Assignment, Submission
from grader.services import submission_create, submission_grade
from tests.grader.conftest import REFERENCE_EPOCHS


def reference_graded(assignment: Assignment) -> Submission:
    """Grade the assignment's reference solution (sets the baseline)."""
    reference = assignment.submissions.get(is_reference=True)
    submission_grade(submission_id=reference.pk, worker="inline@test")
    reference.refresh_from_db()
    assignment.refresh_from_db()
    return reference


def shifted_predictions(assignment: Assignment, shift: float) -> bytes:
    """The reference's regression predictions moved by ``shift``: a worse, but valid, prediction file."""
    source = problem_catalog.catalog_reference(assignment.task_key, epochs=REFERENCE_EPOCHS).predictions_path
    lines = source.read_text().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        key, value = line.split(",")
        out.append(f"{key},{float(value) + shift}")
    return ("\n".join(out) + "\n").encode()


def upload(assignment: Assignment, user, content: bytes, name: str = "predictions.csv") -> Submission:
    """Store a submission as the upload form does (queued; its job is sent only if the test commits)."""
    submission = submission_create(assignment=assignment, user=user, upload=io.BytesIO(content), name=name)
    submission.refresh_from_db()
    return submission


def graded(assignment: Assignment, user, shift: float = 0.0) -> Submission:
    """Upload shifted reference predictions as ``user`` and grade them in-process."""
    submission = upload(assignment, user, shifted_predictions(assignment, shift))
    submission_grade(submission_id=submission.pk, worker="inline@test")
    submission.refresh_from_db()
    return submission


def reveal(assignment: Assignment) -> None:
    """Move the deadline (and no late cut-off) into the past: the private board is revealed."""
    Assignment.objects.filter(pk=assignment.pk).update(
        deadline=timezone.now() - timedelta(minutes=1), late_cutoff=None
    )
    assignment.refresh_from_db()
