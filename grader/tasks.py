"""Celery tasks of the grader: thin wrappers that take ids and call one service.

``grade_submission`` runs on the ``grading-cpu`` or ``grading-gpu`` queue (chosen by the service that
sends it) with late acknowledgement: a job whose worker dies is not acknowledged, and the service's guarded
claim makes a re-delivered job harmless. A job that meets a database it cannot reach (refused, restarted)
is sent again after a growing pause instead of being acknowledged and lost. ``sweep_submissions`` runs on
Celery beat's schedule (``CELERY_BEAT_SCHEDULE`` in the settings) and does what ``manage.py grading_sweep``
does.
"""

from __future__ import annotations

import logging
import socket

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)


@shared_task(name="grader.grade_submission", bind=True, acks_late=True, reject_on_worker_lost=True)
def grade_submission(self, submission_id: int) -> None:
    from django.conf import settings

    from grader.services import retry_backoff_seconds, submission_grade

    worker = self.request.hostname or socket.gethostname()
    try:
        submission_grade(submission_id=int(submission_id), worker=str(worker))
    except (OperationalError, InterfaceError) as error:
        # The database is down or refused us. Before the claim nothing was written: try again later. After
        # it, the retry finds the submission RUNNING and leaves it to the sweeper (wall time + grace).
        retries = self.request.retries
        countdown = retry_backoff_seconds(attempt=retries + 1)
        logger.warning(
            "submission %s: database unavailable (%s); retry %s in %.0f s",
            submission_id,
            error,
            retries + 1,
            countdown,
        )
        raise self.retry(exc=error, countdown=countdown, max_retries=settings.GRADER_DB_RETRIES) from error


@shared_task(name="grader.sweep_submissions")
def sweep_submissions() -> dict[str, int]:
    from django.conf import settings

    from grader.services import submission_sweep

    report = submission_sweep(running_grace_seconds=settings.GRADER_SWEEP_GRACE_SECONDS)
    return {"requeued": report.requeued, "resent": report.resent, "failed": report.failed}
