"""manage.py course_term CODE close|reopen|status [--reason R] [--retention-days N]."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Course
from core.errors import PlatformError
from lifecycle.services.archive import (
    course_close,
    course_erasure_due,
    course_reopen,
    course_retention_set,
    course_term,
)


class Command(BaseCommand):
    help = "Close a course's term (read-only, final export frozen), reopen it (with a reason), or show it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("code")
        parser.add_argument("action", choices=["close", "reopen", "status"])
        parser.add_argument("--reason", default="")
        parser.add_argument("--retention-days", type=int)

    def handle(self, *args, **options) -> None:
        course = Course.objects.filter(code=options["code"]).first()
        if course is None:
            raise CommandError(f"No course with the code {options['code']}.")
        try:
            if options["retention_days"] is not None:
                course_retention_set(course=course, by=None, days=options["retention_days"])
            if options["action"] == "close":
                course_close(course=course, by=None)
            elif options["action"] == "reopen":
                course_reopen(course=course, by=None, reason=options["reason"])
        except PlatformError as error:
            raise CommandError(str(error)) from None
        term = course_term(course=course)
        due = course_erasure_due(course=course)
        state = f"closed at {term.closed_at:%Y-%m-%d %H:%M}" if term.closed_at else "open"
        self.stdout.write(f"{course.code}: {state}; retention {term.retention_days} days")
        if due:
            self.stdout.write(f"Personal data erased on {due:%Y-%m-%d}")
