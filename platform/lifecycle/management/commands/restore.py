"""manage.py restore ARCHIVE [--force]: restore a backup into an empty site, then migrate."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.errors import PlatformError
from lifecycle.services.backup import site_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into this (empty) site."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the database and media files of a site that has data.",
        )

    def handle(self, *args, **options) -> None:
        try:
            manifest = site_restore(archive_path=Path(options["archive"]), force=options["force"])
        except PlatformError as error:
            raise CommandError(str(error)) from None
        # A backup made by older code gets the newer migrations; a current one: nothing to do.
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['started_at']} ({len(manifest['files']) - 1} media files)."
            )
        )
