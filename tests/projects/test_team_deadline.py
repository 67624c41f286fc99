"""Team registration closes (end of week 4 by default: the first milestone's deadline, or the instructor's
date); after it students no longer form, join or leave teams themselves, and the staff still can."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import PermissionDeniedError
from projects.models import Milestone, TeamMembership
from projects.selectors import teams_close_at
from projects.services import (
    project_member_invite,
    project_member_remove,
    project_register,
    team_invitation_answer,
    team_rules_set,
)
from tests.projects.conftest import team_build


def close_now(course, instructor):
    team_rules_set(course=course, by=instructor, teams_close_at=timezone.now() - timedelta(minutes=1))


def test_by_default_teams_close_at_the_first_milestones_deadline(course, milestones, instructor):
    first = min((m for m in milestones if m.kind == "milestone"), key=lambda m: m.order)
    assert teams_close_at(course=course) == first.deadline
    chosen = timezone.now() + timedelta(days=3)
    team_rules_set(course=course, by=instructor, teams_close_at=chosen)
    assert teams_close_at(course=course) == chosen
    team_rules_set(course=course, by=instructor, teams_close_at=None)
    assert teams_close_at(course=course) == first.deadline


def test_a_course_without_milestones_keeps_teams_open(course, student):
    assert not Milestone.objects.filter(course=course).exists() and teams_close_at(course=course) is None
    assert project_register(course=course, registered_by=student, title="Open").members.count() == 1


def test_only_instructors_set_the_date(course, milestones, grader_user, student):
    for person in (grader_user, student):
        with pytest.raises(PermissionDeniedError):
            team_rules_set(course=course, by=person, teams_close_at=None)


def test_after_closing_students_cannot_register_invite_accept_or_leave(
    course, milestones, student, other_student, enrolled, instructor
):
    (third,) = enrolled("CCC333")
    team = team_build(course=course, registered_by=student, title="Birds")
    pending = project_member_invite(project=team, neptun_code=other_student.neptun_code, by=student)
    close_now(course, instructor)
    for attempt in (
        lambda: project_register(course=course, registered_by=third, title="Late team"),
        lambda: project_member_invite(project=team, neptun_code="CCC333", by=student),
        lambda: team_invitation_answer(invitation=pending, by=other_student, accept=True),
        lambda: project_member_remove(project=team, neptun_code=student.neptun_code, by=student),
    ):
        with pytest.raises(PermissionDeniedError) as refused:
            attempt()
        assert refused.value.code == "teams_closed" and "ask your instructor" in refused.value.message
    assert list(team.members.values_list("student__neptun_code", flat=True)) == [student.neptun_code]
    # Declining is always possible (it changes no team).
    assert team_invitation_answer(invitation=pending, by=other_student, accept=False) is None


def test_after_closing_the_staff_still_change_teams(course, milestones, student, other_student, instructor):
    team = team_build(course=course, registered_by=student, title="Birds", members=[other_student])
    close_now(course, instructor)
    project_member_remove(project=team, neptun_code=other_student.neptun_code, by=instructor)
    invitation = project_member_invite(project=team, neptun_code=other_student.neptun_code, by=instructor)
    team_invitation_answer(invitation=invitation, by=other_student, accept=True)  # the staff's invitation
    assert TeamMembership.objects.filter(project=team, student=other_student).exists()


def test_the_instructor_sets_the_date_on_the_milestones_page_and_students_see_it(
    client, course, milestones, instructor, student
):
    client.force_login(instructor)
    when = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/projects/courses/{course.code}/milestones/", {"action": "team_rules", "teams_close_at": when}
    )
    assert response.status_code == 302
    client.force_login(student)
    html = client.get(f"/projects/courses/{course.code}/mine/").content.decode()
    assert 'id="teams-close"' in html and "Team registration closed on" in html
