"""Create a course's default semester-project milestones (data, baseline model, final) with rubrics."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Course
from projects.services import milestone_defaults_create


class Command(BaseCommand):
    help = (
        "Create the three default project milestones with their rubrics for a course, if missing. "
        "Deadlines are 4, 8 and 13 weeks from today; instructors change them on the course's milestones page."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("course", help="Course code, e.g. VITMMA19")

    def handle(self, *args, **options) -> None:
        course = Course.objects.filter(code=options["course"]).first()
        if course is None:
            raise CommandError(f"No course with the code {options['course']}.")
        for milestone in milestone_defaults_create(course=course):
            self.stdout.write(
                f"{milestone.order}. {milestone.title}: deadline {milestone.deadline:%Y-%m-%d %H:%M}, "
                f"{milestone.criteria.count()} rubric criteria"
            )
