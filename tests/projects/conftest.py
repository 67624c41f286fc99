"""Fixtures for the semester project tests: milestones with rubrics, a team, uploads in a temp folder."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from accounts.services import enrollment_set
from projects.services import milestone_defaults_create, project_register, team_invitation_answer
from tests.factories import StudentFactory
from tests.projects.pdfs import tiny_pdf


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def milestones(course):
    """Milestone 1, 2 and the final, all due in the future (the start was a week ago)."""
    return milestone_defaults_create(course=course, start=timezone.now() - timedelta(weeks=1))


@pytest.fixture
def enrolled(course):
    """Make enrolled students by Neptun code: enrolled("AAA111", "BBB222")."""

    def make(*codes: str):
        users = []
        for code in codes:
            user = StudentFactory(neptun_code=code, username=code)
            enrollment_set(course=course, user=user, role=Role.STUDENT)
            users.append(user)
        return users

    return make


def team_build(*, course, registered_by, title: str, members=()):
    """Register a team and have every invited member accept, as they would on their phones."""
    project = project_register(
        course=course, registered_by=registered_by, title=title, member_codes=[m.neptun_code for m in members]
    )
    for member in members:
        team_invitation_answer(invitation=project.invitations.get(student=member), by=member, accept=True)
    return project


@pytest.fixture
def team(course, student, other_student, milestones):
    return team_build(course=course, registered_by=student, title="Bird songs", members=[other_student])


def pdf_upload(content: bytes | None = None, name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_pdf() if content is None else content, "application/pdf")
