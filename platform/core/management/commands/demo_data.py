"""Demo data for a newcomer: a course, its staff and 30 students, plus each app's own demo content."""

import importlib
import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Course, Role, User
from accounts.services import enrollment_set

DEMO_PASSWORD = "demo-pass-2026"
# Each app may add demo content with a `demo_seed(*, course, stdout)` function in <app>/demo.py.
DEMO_SEEDERS = ["quizzes.demo", "grader.demo", "projects.demo", "gradebook.demo"]

FAMILY = ["Kovács", "Szabó", "Tóth", "Nagy", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas"]
GIVEN = ["Anna", "Bence", "Csenge", "Dániel", "Eszter", "Gergő", "Hanna", "Levente", "Luca", "Máté", "Zsófia"]


def demo_neptun_codes(count: int) -> list[str]:
    rng = random.Random(2026)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    codes: list[str] = []
    while len(codes) < count:
        code = "".join(rng.choice(alphabet) for _ in range(6))
        if code not in codes:
            codes.append(code)
    return codes


class Command(BaseCommand):
    help = "Create (or refresh) the demo course with an instructor, a grader and 30 students."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even with PLATFORM_MODE=production (a staging copy nobody else can reach)",
        )

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options) -> None:
        # It makes a superuser whose password is printed in the README: never on a real site by accident.
        if getattr(settings, "PRODUCTION", False) and not force:
            raise CommandError(
                "demo_data refuses to run with PLATFORM_MODE=production: it creates an 'admin' superuser "
                f"with the published password {DEMO_PASSWORD!r}. Use --force only on a private staging copy."
            )
        course, _ = Course.objects.get_or_create(
            code="VITMMA19", defaults={"title": "Deep Learning in practice", "term": "2026/27/1"}
        )
        staff = [
            ("instructor", Role.INSTRUCTOR, "Dr. Ildikó Oktató"),
            ("grader", Role.GRADER, "Gábor Javító"),
        ]
        for username, role, name in staff:
            user, _ = User.objects.get_or_create(username=username, defaults={"full_name": name})
            user.set_password(DEMO_PASSWORD)
            user.save()
            enrollment_set(course=course, user=user, role=role)
        admin, _ = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        admin.set_password(DEMO_PASSWORD)
        admin.save()

        rng = random.Random(19)
        codes = demo_neptun_codes(30)
        for code in codes:
            user, created = User.objects.get_or_create(
                neptun_code=code,
                defaults={"username": code, "full_name": f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"},
            )
            if created or not user.has_usable_password():
                user.email = f"{code.lower()}@students.example.hu"
                user.set_password(DEMO_PASSWORD)
                user.save()
            enrollment_set(course=course, user=user, role=Role.STUDENT)

        steps = len(DEMO_SEEDERS) + 1
        self.stdout.write(f"  [1/{steps}] course {course.code}, staff and {len(codes)} students")
        self.stdout.flush()
        # A line before and after each step: the first run trains reference models for about 90 s.
        for number, module_name in enumerate(DEMO_SEEDERS, start=2):
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name != module_name:
                    raise
                continue
            self.stdout.write(f"  [{number}/{steps}] {module_name.split('.')[0]} …")
            self.stdout.flush()
            started = time.monotonic()
            module.demo_seed(course=course, stdout=self.stdout)
            self.stdout.write(f"      done in {time.monotonic() - started:.0f} s")
            self.stdout.flush()

        self.stdout.write(
            self.style.SUCCESS(f"Demo course {course.code} ready. Password for everyone: {DEMO_PASSWORD}")
        )
        self.stdout.write("  instructor: instructor    grader: grader    admin: admin")
        self.stdout.write(
            f"  students (Neptun code = username): {', '.join(codes[:5])} … ({len(codes)} in all)"
        )
