"""The grader's limits: upload sizes and stored file names, and the tunables read from the settings (else
the environment, else a default)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

from grader.models import (
    SubmissionKind,
)

MAX_UPLOAD_BYTES = {
    SubmissionKind.PREDICTIONS: 20 * 1024 * 1024,
    SubmissionKind.NOTEBOOK: 20 * 1024 * 1024,
    SubmissionKind.SCRIPT: 2 * 1024 * 1024,
    SubmissionKind.MODEL: 200 * 1024 * 1024,
}
STORED_NAMES = {
    SubmissionKind.PREDICTIONS: "predictions.csv",
    SubmissionKind.NOTEBOOK: "solution.ipynb",
    SubmissionKind.SCRIPT: "solution.py",
    SubmissionKind.MODEL: "model.pt",
}


def _setting(name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return type(default)(value)


def max_attempts() -> int:
    """How many times a submission may be claimed by a worker before it is failed (worker losses)."""
    return _setting("GRADER_MAX_ATTEMPTS", 3)


def retry_backoff_seconds(*, attempt: int) -> float:
    """The pause before retry number ``attempt`` (1, 2, ...) of a job the platform failed: doubling each
    time from GRADER_RETRY_BACKOFF_SECONDS, at most GRADER_RETRY_BACKOFF_MAX_SECONDS."""
    base = float(_setting("GRADER_RETRY_BACKOFF_SECONDS", 5.0))
    maximum = float(_setting("GRADER_RETRY_BACKOFF_MAX_SECONDS", 120.0))
    return min(maximum, base * 2 ** max(0, attempt - 1))
