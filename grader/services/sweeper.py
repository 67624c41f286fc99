"""The sweeper: re-queues submissions stuck past their limits, fails those out of attempts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from grader.models import (
    Grading,
    Submission,
    SubmissionStatus,
    SubmissionVerdict,
)
from grader.services.grading import submission_enqueue
from grader.services.limits import _setting, max_attempts

logger = logging.getLogger(__name__)


def _jobs_lost(*, running: list[Submission], now: datetime) -> set[int]:
    """RUNNING submissions whose worker says it is not grading them (killed and restarted) or does not
    answer at all (killed): found in seconds, not after the assignment's wall time (up to an hour).

    Asks the workers over Celery's remote control (Redis); an empty set where there is none (the embedded
    filesystem broker), when GRADER_SWEEP_PING_SECONDS is 0, or when the broker cannot be asked.
    """
    timeout = float(_setting("GRADER_SWEEP_PING_SECONDS", 2.0))
    min_age = timedelta(seconds=float(_setting("GRADER_SWEEP_PING_AFTER_SECONDS", 15.0)))
    candidates = [s for s in running if s.worker and s.started_at and s.started_at + min_age <= now]
    if not candidates or timeout <= 0 or not getattr(settings, "REDIS_URL", ""):
        return set()
    from celery import current_app

    workers = sorted({s.worker for s in candidates})
    try:
        active = current_app.control.inspect(destination=workers, timeout=timeout).active() or {}
    except Exception:  # the broker is down: nothing can be told, the wall-time rule still applies
        logger.warning("sweeper: could not ask the workers what they run", exc_info=True)
        return set()
    grading: set[int] = set()
    for tasks in active.values():
        for task in tasks or []:
            if task.get("name") == "grader.grade_submission" and task.get("args"):
                grading.add(int(task["args"][0]))
    silent = [name for name in workers if name not in active]
    if silent:
        # A second chance before a live job is taken away (its result would be dropped): a worker that
        # answers a ping now was only slow, and keeps its jobs until the next sweep or its wall time.
        try:
            replies = current_app.control.ping(destination=silent, timeout=timeout) or []
        except Exception:
            replies = []
        slow = {name for reply in replies for name in reply}
        grading |= {s.pk for s in candidates if s.worker in slow}
        silent = [name for name in silent if name not in slow]
    lost = {s.pk for s in candidates if s.pk not in grading}
    if lost:
        logger.warning("sweeper: jobs %s lost (workers not answering: %s)", sorted(lost), silent)
    return lost


@dataclass(frozen=True)
class SweepReport:
    requeued: int
    resent: int
    failed: int


def submission_sweep(
    *,
    now: datetime | None = None,
    running_grace_seconds: float = 120.0,
    queued_after_seconds: float | None = None,
) -> SweepReport:
    """Re-queue submissions stuck past their limits; fail those that used up their attempts.

    - RUNNING longer than the assignment's wall time plus ``running_grace_seconds`` (sandbox start,
      scoring), or sooner where its worker answers that it is not running it or does not answer
      (``_jobs_lost``): its worker was lost. Queued again, or FAILED after ``GRADER_MAX_ATTEMPTS`` claims.
    - QUEUED for more than ``queued_after_seconds`` (default GRADER_REQUEUE_AFTER_SECONDS), or RECEIVED
      for a minute (the message was never sent), or QUEUED whose last send failed (broker down): the
      message is sent again; a duplicate is harmless, a worker only claims a QUEUED submission.
    """
    now = now or timezone.now()
    if queued_after_seconds is None:
        queued_after_seconds = float(_setting("GRADER_REQUEUE_AFTER_SECONDS", 120.0))
    requeued = resent = failed = 0
    running = list(Submission.objects.filter(status=SubmissionStatus.RUNNING).select_related("assignment"))
    lost = _jobs_lost(running=running, now=now)
    for submission in running:
        assert submission.started_at is not None
        limit = submission.assignment.wall_seconds + running_grace_seconds
        if submission.started_at + timedelta(seconds=limit) > now and submission.pk not in lost:
            continue
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            if locked.status != SubmissionStatus.RUNNING or locked.attempts != submission.attempts:
                continue
            if locked.attempts >= max_attempts():
                reason = (
                    f"Gave up after {locked.attempts} attempts: the grading worker stopped each time "
                    f"(last on {locked.worker or 'an unknown worker'}). The staff see it in the queue."
                )
                try:
                    with transaction.atomic():
                        Grading.objects.create(
                            submission=locked,
                            generation=locked.generation,
                            attempt=locked.attempts,
                            verdict=SubmissionVerdict.INTERNAL_ERROR,
                            worker=locked.worker,
                        )
                except IntegrityError:
                    continue
                locked.status, locked.verdict, locked.verdict_detail = (
                    SubmissionStatus.FAILED,
                    SubmissionVerdict.INTERNAL_ERROR,
                    reason,
                )
                locked.scored_at = now
                locked.save()
                failed += 1
            else:
                submission_enqueue(submission=locked)
                requeued += 1
    stale = (
        Q(status=SubmissionStatus.QUEUED, queued_at__lt=now - timedelta(seconds=queued_after_seconds))
        | Q(status=SubmissionStatus.RECEIVED, received_at__lt=now - timedelta(seconds=60))
        | Q(status=SubmissionStatus.QUEUED, send_failed_at__isnull=False)  # its send failed: at once
    )
    for submission in Submission.objects.filter(stale).select_related("assignment"):
        with transaction.atomic():
            submission_enqueue(submission=submission)
        resent += 1
    return SweepReport(requeued=requeued, resent=resent, failed=failed)
