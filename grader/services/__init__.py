"""Writes of the autograder: assignments, submissions, the grading pipeline, regrades and the sweeper.

One module per job, the public names re-exported here so callers import from ``grader.services``:

    limits        upload sizes, stored file names, tunables from the settings (attempts, back-off)
    points        the points a score earns and the late penalty
    uploads       a student's upload: checks, storage, the row, the daily limit
    grading       the job sent to a worker, the claim, the sandbox run, scoring, the result recorded once
    assignments   the instructor's rules: create (with the reference solution), change, regrade
    sweeper       what is stuck past its limits is sent again, or failed

The pipeline of one submission::

    submission_create   file stored, then the row (RECEIVED), then QUEUED and the message on commit
    submission_grade    a worker claims it (QUEUED -> RUNNING, guarded), runs the student's part in the
                        sandbox (ingestion), scores the predictions in trusted code, records the result
                        once (a Grading row per generation, unique), RUNNING -> SCORED or FAILED
    submission_sweep    re-queues what is stuck past its limits; fails it after GRADER_MAX_ATTEMPTS tries

Hidden labels are read by the scorer only; the sandbox gets the task's ``public/`` folder.

Between the services and ``grader.tasks`` the import is one way at module top: ``grading`` imports the
Celery task; the task module imports the services inside its functions.
"""

from grader.services.assignments import (
    AssignmentRules,
    assignment_create,
    assignment_regrade,
    assignment_update,
)
from grader.services.grading import (
    MAX_HTML_SOURCE_BYTES,
    QUEUE_CPU,
    QUEUE_GPU,
    Outcome,
    assignment_points_refresh,
    submission_enqueue,
    submission_grade,
    submission_queue_name,
)
from grader.services.limits import MAX_UPLOAD_BYTES, STORED_NAMES, max_attempts, retry_backoff_seconds
from grader.services.points import late_days_for, points_for, score_fraction
from grader.services.sweeper import SweepReport, submission_sweep
from grader.services.uploads import (
    EXTENSIONS,
    submission_create,
    submission_kind_guess,
    submission_validate,
)

__all__ = [
    "EXTENSIONS",
    "MAX_HTML_SOURCE_BYTES",
    "MAX_UPLOAD_BYTES",
    "QUEUE_CPU",
    "QUEUE_GPU",
    "STORED_NAMES",
    "AssignmentRules",
    "Outcome",
    "SweepReport",
    "assignment_create",
    "assignment_points_refresh",
    "assignment_regrade",
    "assignment_update",
    "late_days_for",
    "max_attempts",
    "points_for",
    "retry_backoff_seconds",
    "score_fraction",
    "submission_create",
    "submission_enqueue",
    "submission_grade",
    "submission_kind_guess",
    "submission_queue_name",
    "submission_sweep",
    "submission_validate",
]
