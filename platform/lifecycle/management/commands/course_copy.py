"""manage.py course_copy SOURCE NEW_CODE --term T --shift-days N [--dry-run]."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Course
from core.errors import PlatformError
from lifecycle.services.copying import course_copy


class Command(BaseCommand):
    help = (
        "Copy a course into a new term: quizzes, assignments, milestones, rubrics and weights, dates moved; "
        "never students, submissions, games or grades."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", help="The course to copy (its code).")
        parser.add_argument("code", help="The new course's code.")
        parser.add_argument("--term", required=True, help="The new term, e.g. 2027/28/1.")
        parser.add_argument(
            "--shift-days", type=int, required=True, help="Move every date by this many days."
        )
        parser.add_argument("--title", default="", help="The new course's title (default: the same).")
        parser.add_argument("--dry-run", action="store_true", help="List what would be made; make nothing.")

    def handle(self, *args, **options) -> None:
        source = Course.objects.filter(code=options["source"]).first()
        if source is None:
            raise CommandError(f"No course with the code {options['source']}.")
        try:
            plan = course_copy(
                source=source,
                code=options["code"],
                term=options["term"],
                offset_days=options["shift_days"],
                title=options["title"],
                by=None,
                dry_run=options["dry_run"],
            )
        except PlatformError as error:
            raise CommandError(str(error)) from None
        for line in plan.lines:
            self.stdout.write(f"  {line}")
        verb = "Would make" if plan.dry_run else "Made"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(plan.lines)} things in {plan.target_code}."))
