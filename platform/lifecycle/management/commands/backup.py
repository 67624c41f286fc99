"""manage.py backup [PATH]: one archive of the whole site (database + media files), with a manifest."""

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import PlatformError
from lifecycle.services.backup import site_backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the site (safe while it runs). Default: DATA_DIR/backups/<time>.tar.gz"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", help="The archive to write (.tar.gz).")

    def handle(self, *args, **options) -> None:
        path = options["path"] or str(
            Path(settings.DATA_DIR) / "backups" / f"site-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz"
        )
        try:
            summary = site_backup(out_path=Path(path))
        except PlatformError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {summary.path} ({summary.engine} database, {summary.files} media files, "
                f"{summary.bytes / 1e6:.1f} MB of files)"
            )
        )
