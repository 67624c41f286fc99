"""The Django project: settings, URLs, ASGI application and Celery app."""

from config.celery_app import app as celery_app

__all__ = ["celery_app"]
