from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Course
from accounts.roster import roster_import
from core.errors import PlatformError


class Command(BaseCommand):
    help = "Import a roster exported from Neptun (CSV or XLSX) into a course. Re-importing is idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--course", required=True, help="course code, e.g. VITMMA19")

    def handle(self, *args, file: Path, course: str, **options) -> None:
        found = Course.objects.filter(code=course).first()
        if found is None:
            raise CommandError(
                f"No course with code {course}. Existing: "
                f"{', '.join(Course.objects.values_list('code', flat=True)) or 'none'}."
            )
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        try:
            report = roster_import(course=found, filename=file.name, content=content)
        except PlatformError as error:
            raise CommandError(error.message) from error
        for problem in report.problems:
            self.stderr.write(f"{file.name}: line {problem.line}: {problem.reason}")
        self.stdout.write(report.summary())
        if report.imported == 0:
            raise CommandError("Nothing could be imported from the file.")
