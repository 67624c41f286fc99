import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the Celery command line with this project's app, e.g. `manage.py celery worker -Q default`."

    def run_from_argv(self, argv: list[str]) -> None:
        from config.celery_app import app

        # manage.py has put platform/ on sys.path, so workers import config the same way the site does.
        sys.exit(app.start(argv=argv[2:]) or 0)
