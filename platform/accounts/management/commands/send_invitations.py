from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Course
from accounts.services import invitations_send


class Command(BaseCommand):
    help = "E-mail one-time activation links to the course's students who have no password yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", required=True)

    def handle(self, *args, course: str, **options) -> None:
        found = Course.objects.filter(code=course).first()
        if found is None:
            raise CommandError(f"No course with code {course}.")
        self.stdout.write(f"{invitations_send(course=found)} invitations sent.")
