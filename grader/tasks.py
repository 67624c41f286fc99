"""Celery tasks of the grader: thin wrappers that take ids and call one service.

``grade_submission`` runs on the ``grading-cpu`` or ``grading-gpu`` queue (chosen by the service that
sends it) with late acknowledgement: a job whose worker dies is not acknowledged, and the service's guarded
claim makes a re-delivered job harmless. ``sweep_submissions`` runs on Celery beat's schedule
(``CELERY_BEAT_SCHEDULE`` in the settings) and does what ``manage.py grading_sweep`` does.
"""

from __future__ import annotations

import socket

from celery import shared_task


@shared_task(name="grader.grade_submission", bind=True, acks_late=True, reject_on_worker_lost=True)
def grade_submission(self, submission_id: int) -> None:
    from grader.services import submission_grade

    worker = self.request.hostname or socket.gethostname()
    submission_grade(submission_id=int(submission_id), worker=str(worker))


@shared_task(name="grader.sweep_submissions")
def sweep_submissions() -> dict[str, int]:
    from django.conf import settings

    from grader.services import submission_sweep

    report = submission_sweep(running_grace_seconds=settings.GRADER_SWEEP_GRACE_SECONDS)
    return {"requeued": report.requeued, "resent": report.resent, "failed": report.failed}
