"""Fixtures of the grader tests: assignments on the reference tasks and waiting for a real worker."""

import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from grader import problem_catalog
from grader.models import Assignment, Submission
from grader.services import AssignmentRules, assignment_create

# The reference solutions are trained once per task and epoch count and cached under
# REFERENCE_CACHE_DIR (var/test/reference): the first run of the suite pays for it, later runs do not.
REFERENCE_EPOCHS = 1


def texture_backbone_small() -> None:
    """Point texture-transfer's pretrained backbone at a tiny one under the test data folder (made once).

    Its default pretraining takes minutes and would write the repository's ``var/reference_models``; the
    grader tests need a reference solution, not a good one.
    """
    from reference_models.problems import texture_transfer

    folder = Path(settings.DATA_DIR) / "backbone"
    path = folder / "resnet18-w16.pt"
    texture_transfer.DEFAULT_BACKBONE_DIR = folder
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        texture_transfer.backbone_pretrain(out_path=partial, epochs=1, per_image=60, progress=False)
        partial.rename(path)


def assignment_make(course, *, task: str = "fever-regression", **rules) -> Assignment:
    rules.setdefault("title", f"Homework on {task}")
    rules.setdefault("wall_seconds", 60)
    rules.setdefault("memory_mb", 2048)
    rules.setdefault("daily_limit", 50)
    rules.setdefault("opens_at", timezone.now() - timedelta(days=1))
    rules.setdefault("deadline", timezone.now() + timedelta(days=7))
    if task.startswith("fever-regression") or task in ("weather-forecast", "nyc-temperature-lstm"):
        rules.setdefault("score_zero_points", 1000.0)
    if task == "texture-transfer":
        texture_backbone_small()
    if not task.startswith("bundle-") and problem_catalog.catalog_problem(task).practice_only:
        rules.setdefault("points", Decimal(0))  # a graded assignment on it is refused
    return assignment_create(
        course=course,
        by=None,
        task_key=task,
        rules=AssignmentRules(**rules),
        reference_epochs=REFERENCE_EPOCHS,
    )


@pytest.fixture
def make_assignment(course) -> Callable[..., Assignment]:
    return lambda **kwargs: assignment_make(course, **kwargs)


def wait_done(submission: Submission, *, timeout: float = 120, worker=None) -> Submission:
    """Poll the database until the submission is scored or failed (a real worker grades it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        submission.refresh_from_db()
        if submission.is_done:
            return submission
        time.sleep(0.2)
    log = worker.log()[-4000:] if worker is not None else ""
    raise AssertionError(f"submission {submission.pk} still {submission.status} after {timeout}s\n{log}")
