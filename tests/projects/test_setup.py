"""Course set-up: the default milestones command, and the admin's one-team rule."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from projects.models import Milestone, MilestoneKind, RubricCriterion, TeamMembership
from projects.services import project_register

pytestmark = pytest.mark.services


def test_milestones_setup_command_is_idempotent_and_keeps_edits(course):
    out = io.StringIO()
    call_command("project_milestones_setup", "VITMMA19", stdout=out)
    assert "3. Final submission" in out.getvalue() and "4 rubric criteria" in out.getvalue()
    first = Milestone.objects.get(course=course, order=1)
    first.title = "Milestone 1: our data"
    first.save()
    call_command("project_milestones_setup", "VITMMA19", stdout=io.StringIO())
    assert Milestone.objects.filter(course=course).count() == 3
    assert RubricCriterion.objects.filter(milestone__course=course).count() == 12
    assert Milestone.objects.get(course=course, order=1).title == "Milestone 1: our data"
    kinds = list(Milestone.objects.filter(course=course).values_list("kind", "needs_url", "needs_pdf"))
    assert kinds == [
        (MilestoneKind.MILESTONE, True, False),
        (MilestoneKind.MILESTONE, True, False),
        (MilestoneKind.FINAL, True, True),
    ]
    with pytest.raises(CommandError, match="No course"):
        call_command("project_milestones_setup", "NOPE01")


def test_admin_form_explains_the_one_team_rule(course, student, other_student):
    first = project_register(course=course, registered_by=student, title="First")
    second = project_register(course=course, registered_by=other_student, title="Second")
    membership = TeamMembership(project=second, student=student)
    with pytest.raises(ValidationError, match="Already in the team “First”"):
        membership.full_clean(exclude=["course"])
    assert first.members.count() == 1
