"""Instructors set up milestones and rubrics on the platform's page (the admin is for superusers only)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import PermissionDeniedError, PlatformError
from projects.models import Milestone, RubricCriterion
from projects.services import RubricLine, milestone_grade, milestone_submit, milestone_update

pytestmark = pytest.mark.services


def url(course) -> str:
    return reverse("projects:milestones", args=[course.code])


def form_data(milestone, **changes) -> dict:
    prefix = f"m{milestone.pk}-"
    data = {
        "title": milestone.title,
        "deadline": timezone.localtime(milestone.deadline).strftime("%Y-%m-%dT%H:%M"),
        "description": milestone.description,
        "needs_url": "on",
        "rubric": "\n".join(f"{c.name}: {c.max_points}" for c in milestone.criteria.order_by("order")),
    } | changes
    return {"milestone": milestone.pk, "action": "save", **{prefix + k: v for k, v in data.items()}}


def test_an_instructor_sets_up_the_defaults_then_moves_a_deadline_and_changes_the_rubric(
    client, course, instructor
):
    client.force_login(instructor)
    assert "Set up the default milestones" in client.get(url(course)).content.decode()
    client.post(url(course), {"action": "defaults"})
    first = Milestone.objects.get(course=course, order=1)
    new_deadline = timezone.localtime(first.deadline + timedelta(days=7)).replace(second=0, microsecond=0)
    response = client.post(
        url(course),
        form_data(
            first,
            deadline=new_deadline.strftime("%Y-%m-%dT%H:%M"),
            rubric="Data: 8\nSplit: 4,5\n\nREADME: 7.5",
        ),
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.deadline == new_deadline
    assert [(c.name, c.max_points) for c in first.criteria.order_by("order")] == [
        ("Data", Decimal("8.0")),
        ("Split", Decimal("4.5")),
        ("README", Decimal("7.5")),
    ]


@pytest.mark.parametrize(
    ("rubric", "message"),
    [
        ("Data 8", "Line 1: write the criterion&#x27;s name, a colon"),
        ("Data: 8\nSplit: lots", "Line 2:"),
        ("Data: 0", "Line 1:"),
        ("Data: 1e9", "Line 1:"),
        ("Data: 2.25", "at most one decimal"),
        ("Data: 2\nData: 3", "Two rubric criteria have the same name."),
        ("   ", "This field is required."),
    ],
)
def test_a_bad_rubric_says_which_line_and_changes_nothing(
    client, course, instructor, milestones, rubric, message
):
    client.force_login(instructor)
    first = milestones[0]
    before = list(RubricCriterion.objects.filter(milestone=first).values_list("name", "max_points"))
    response = client.post(url(course), form_data(first, rubric=rubric))
    assert response.status_code == 400 and message in response.content.decode()
    assert list(RubricCriterion.objects.filter(milestone=first).values_list("name", "max_points")) == before


def test_a_graded_milestones_rubric_stays_but_its_deadline_may_move(
    course, team, milestones, student, instructor, grader_user
):
    first = milestones[0]
    milestone_submit(
        project=team,
        milestone=first,
        submitted_by=student,
        in_english=True,
        repository_url="https://github.com/a/b",
    )
    milestone_grade(
        project=team, milestone=first, grader=grader_user, scores={c.id: 1 for c in first.criteria.all()}
    )
    with pytest.raises(PlatformError, match="already graded") as caught:
        milestone_update(
            milestone=first,
            by=instructor,
            title=first.title,
            deadline=first.deadline,
            description="",
            needs_url=True,
            needs_pdf=False,
            rubric=[RubricLine("Everything", Decimal(20))],
        )
    assert caught.value.code == "rubric_locked_graded" and first.criteria.count() == 4
    same = [RubricLine(c.name, c.max_points) for c in first.criteria.order_by("order", "id")]
    later = first.deadline + timedelta(days=2)
    milestone_update(
        milestone=first,
        by=instructor,
        title="Data",
        deadline=later,
        description="",
        needs_url=True,
        needs_pdf=False,
        rubric=same,
    )
    first.refresh_from_db()
    assert first.deadline == later and first.title == "Data"


def test_graders_and_other_courses_instructors_cannot_change_milestones(course, milestones, grader_user):
    from accounts.models import Role
    from accounts.services import enrollment_set
    from tests.factories import CourseFactory, UserFactory

    elsewhere = UserFactory(username="elsewhere")
    enrollment_set(course=CourseFactory(code="COURSEA"), user=elsewhere, role=Role.INSTRUCTOR)
    for person in (grader_user, elsewhere):
        with pytest.raises(PermissionDeniedError):
            milestone_update(
                milestone=milestones[0],
                by=person,
                title="Taken over",
                deadline=timezone.now(),
                description="",
                needs_url=False,
                needs_pdf=False,
                rubric=[RubricLine("X", Decimal(1))],
            )
    assert Milestone.objects.filter(title="Taken over").count() == 0


def test_the_projects_page_links_instructors_to_the_milestones_page_not_the_admin(
    client, course, instructor, grader_user
):
    client.force_login(instructor)
    page = client.get(reverse("projects:course_projects", args=[course.code])).content.decode()
    assert url(course) in page and "/admin/" not in page
    client.force_login(grader_user)
    assert (
        url(course)
        not in client.get(reverse("projects:course_projects", args=[course.code])).content.decode()
    )
