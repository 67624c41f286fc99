"""``manage.py project_commits_pin COURSE [--milestone N]``: pin the commit that counts for each hand-in of
the course's milestones whose deadline has passed (projects.services.milestone_commits_pin)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import Course
from projects.models import Milestone
from projects.services import milestone_commits_pin


class Command(BaseCommand):
    help = "Pin the last commit before the deadline for every team's hand-in of past milestones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course", help="The course's code, e.g. VITMMA19.")
        parser.add_argument("--milestone", type=int, help="Only the milestone with this order number.")

    def handle(self, *args: Any, **options: Any) -> None:
        course = Course.objects.filter(code=options["course"]).first()
        if course is None:
            raise CommandError(f"No course {options['course']!r}.")
        milestones = Milestone.objects.filter(course=course, deadline__lt=timezone.now()).order_by("order")
        if options["milestone"] is not None:
            milestones = milestones.filter(order=options["milestone"])
        for milestone in milestones:
            for pinned in milestone_commits_pin(milestone=milestone):
                outcome = pinned.sha[:12] if pinned.sha else pinned.problem
                self.stdout.write(f"{milestone.order}. {milestone.title} · {pinned.project}: {outcome}")
