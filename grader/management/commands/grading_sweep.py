"""``manage.py grading_sweep [--every SECONDS]``: re-queue stuck submissions (once, or in a loop)."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from grader.services import submission_sweep


class Command(BaseCommand):
    help = "Re-queue submissions stuck in queued/running past their limits; fail them after too many tries."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds (0: run once)")
        parser.add_argument("--grace", type=float, default=120.0, help="seconds past the run limit")
        parser.add_argument(
            "--queued-after",
            type=float,
            default=None,
            help="resend queued jobs this old (default: GRADER_REQUEUE_AFTER_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = submission_sweep(
                running_grace_seconds=options["grace"], queued_after_seconds=options["queued_after"]
            )
            self.stdout.write(f"requeued {report.requeued}, resent {report.resent}, failed {report.failed}")
            if not options["every"]:
                return
            time.sleep(options["every"])
