"""The Celery application (named celery_app, not celery, so it never shadows the library).

Start a worker with ``python manage.py celery worker -Q default,grading-cpu``.
"""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _grade_below_the_web(**kwargs: Any) -> None:
    """Workers (and the student code their sandboxes run, which inherits it) yield the CPU to the web.

    Grading is batch work; on a shared host it took both cores during a deadline burst and the pages waited
    (bench_grader: the leaderboard's p95 was 400 ms with Redis). Niced, it gets whatever the web leaves.
    """
    from django.conf import settings

    if settings.GRADER_WORKER_NICE:
        os.nice(settings.GRADER_WORKER_NICE)
