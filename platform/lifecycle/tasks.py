"""Celery beat runs the retention sweep once a day (CELERY_BEAT_SCHEDULE), as manage.py retention_sweep."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="lifecycle.retention_sweep")
def retention_sweep_task() -> dict[str, list[str]]:
    from lifecycle.services.personal import retention_sweep

    return {plan.course.code: plan.lines for plan in retention_sweep(dry_run=False)}
