import getpass

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Course, Role
from accounts.services import staff_user_create
from core.errors import PlatformError


class Command(BaseCommand):
    help = "Create an instructor or grader account (like createsuperuser), optionally enrolled in a course."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", choices=[Role.INSTRUCTOR, Role.GRADER], required=True)
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--neptun", default=None, help="the person's Neptun code, if any")
        parser.add_argument("--course", default=None, help="course code to give the role in")
        parser.add_argument(
            "--password", default=None, help="omit to be asked (or set DJANGO_STAFF_PASSWORD)"
        )

    def handle(
        self,
        *args,
        role: str,
        username: str,
        email: str,
        name: str,
        neptun: str | None,
        course: str | None,
        password: str | None,
        **options,
    ) -> None:
        import os

        found = None
        if course:
            found = Course.objects.filter(code=course).first()
            if found is None:
                raise CommandError(f"No course with code {course}.")
        password = password or os.environ.get("DJANGO_STAFF_PASSWORD")
        if not password:
            if not options.get("interactive", True):
                raise CommandError("Give --password or DJANGO_STAFF_PASSWORD.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            user = staff_user_create(
                username=username,
                email=email,
                password=password,
                role=role,
                full_name=name,
                neptun_code=neptun,
                course=found,
            )
        except PlatformError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Created {role} {user.username}" + (f" in {found.code}" if found else ""))
