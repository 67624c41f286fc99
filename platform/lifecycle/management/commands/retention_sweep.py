"""manage.py retention_sweep [--dry-run]: erase the personal data of courses past their retention period."""

from django.core.management.base import BaseCommand

from lifecycle.services.personal import retention_sweep


class Command(BaseCommand):
    help = "Erase or pseudonymise the personal data of closed courses whose retention period has passed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would go; change nothing.")

    def handle(self, *args, **options) -> None:
        plans = retention_sweep(dry_run=options["dry_run"])
        verb = "Would erase" if options["dry_run"] else "Erased"
        for plan in plans:
            self.stdout.write(f"{verb} {plan.course.code} (due {plan.due:%Y-%m-%d}):")
            for line in plan.lines:
                self.stdout.write(f"  {line}")
        if not plans:
            self.stdout.write("No course is due for erasure.")
