"""Fixtures of the lifecycle tests: the gradebook's one-of-everything course, with real files on disk."""

import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from gradebook.models import GradebookWeights
from grader.models import Submission
from projects.models import MilestoneSubmission
from tests.gradebook.scenario import Scenario, scenario_build


def stored(name: str, content: bytes) -> str:
    return default_storage.save(name, ContentFile(content))


@pytest.fixture
def scenario(course, student, other_student, instructor) -> Scenario:
    built = scenario_build(course=course, student=student, other_student=other_student, instructor=instructor)
    # Real files: each student's own upload, with their code inside, and the team's report.
    for submission in Submission.objects.filter(assignment__course=course, user__isnull=False):
        owner = submission.user
        content = f"id,value\n0,{owner.neptun_code}\n".encode()
        submission.file = stored(
            f"grader/submissions/{submission.assignment_id}/{owner.neptun_code}.csv", content
        )
        submission.sha256 = hashlib.sha256(content).hexdigest()
        submission.log = f"run log of {owner.neptun_code}"
        submission.save()
    hand_in = MilestoneSubmission.objects.get(project=built.project)
    hand_in.pdf = stored("projects/report.pdf", b"%PDF-1.4 team report")
    hand_in.pdf_original_name = "report.pdf"
    hand_in.save()
    GradebookWeights.objects.create(
        course=course,
        quiz_weight=Decimal("10"),
        assignment_weight=Decimal("60"),
        milestone_weight=Decimal("30"),
    )
    return built
