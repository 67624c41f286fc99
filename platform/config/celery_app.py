"""The Celery application (named celery_app, not celery, so it never shadows the library).

Start a worker with ``python manage.py celery worker -Q default,grading-cpu``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
