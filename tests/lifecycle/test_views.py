"""The term page, the frozen export, the audit log and "My data": rights per course and wiring."""

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Course, Role
from accounts.services import enrollment_set
from gradebook.services import adjustment_record
from lifecycle.models import CourseTerm, TermEvent
from lifecycle.services import course_close
from tests.factories import CourseFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture(autouse=True)
def _no_throttle_left_over():
    cache.clear()


@pytest.fixture
def elsewhere(db):
    other = CourseFactory(code="VITMAV45")
    user = UserFactory(username="elsewhere", is_staff=True)
    enrollment_set(course=other, user=user, role=Role.INSTRUCTOR)
    return user


def test_only_the_courses_instructors_manage_the_term_and_read_the_audit_log(
    client, scenario, student, grader_user, elsewhere, instructor
):
    term = reverse("lifecycle:term", args=["VITMMA19"])
    for person in (student, grader_user, elsewhere):
        client.force_login(person)
        assert client.get(reverse("lifecycle:audit", args=["VITMMA19"])).status_code == 403
        assert client.post(term, {"action": "close"}).status_code == 403
        # The course's graders see the term's state (and when data goes); they change nothing.
        page = client.get(term)
        assert page.status_code == (200 if person == grader_user else 403)
        if person == grader_user:
            html = page.content.decode()
            assert "The term is open." in html and "Close the term" not in html and "copy-code" not in html
    assert not CourseTerm.objects.filter(closed_at__isnull=False).exists()
    client.force_login(instructor)
    html = client.get(term).content.decode()
    assert "Close the term" in html and "copy-code" in html


def test_closing_on_the_page_shows_the_erasure_date_and_the_frozen_export(
    client, scenario, instructor, grader_user
):
    client.force_login(instructor)
    response = client.post(reverse("lifecycle:term", args=["VITMMA19"]), {"action": "close"}, follow=True)
    html = response.content.decode()
    assert "Closed on" in html and "will be erased on" in html
    client.force_login(grader_user)
    export = client.get(reverse("lifecycle:final_export", args=["VITMMA19"]))
    assert export.status_code == 200 and "ABC123" in export.content.decode()
    assert export["Content-Disposition"].startswith('attachment; filename="VITMMA19-final-')


def test_the_erasure_preview_lists_what_would_go_and_changes_nothing(client, scenario, instructor, student):
    course_close(course=scenario.game.course, by=instructor)
    client.force_login(instructor)
    html = client.post(
        reverse("lifecycle:term", args=["VITMMA19"]), {"action": "erasure_preview"}
    ).content.decode()
    assert "student accounts pseudonymised" in html
    student.refresh_from_db()
    assert student.neptun_code == "ABC123"


def test_reopening_without_a_reason_is_refused(client, scenario, instructor):
    course_close(course=scenario.game.course, by=instructor)
    client.force_login(instructor)
    response = client.post(
        reverse("lifecycle:term", args=["VITMMA19"]), {"action": "reopen", "reopen-reason": ""}
    )
    assert response.status_code == 400
    assert CourseTerm.objects.get().closed_at is not None
    client.post(reverse("lifecycle:term", args=["VITMMA19"]), {"action": "reopen", "reopen-reason": "appeal"})
    assert CourseTerm.objects.get().closed_at is None
    assert TermEvent.objects.filter(kind="reopened", reason="appeal").exists()


def test_copy_on_the_page_lists_first_and_then_makes_the_course(client, scenario, instructor):
    client.force_login(instructor)
    form = {"action": "copy", "copy-code": "VITMMA19-27", "copy-term": "2027/28/1", "copy-shift_days": "364"}
    html = client.post(
        reverse("lifecycle:term", args=["VITMMA19"]), {**form, "copy-dry_run": "on"}
    ).content.decode()
    assert "Would make:" in html and "CNN on digits" in html
    assert not Course.objects.filter(code="VITMMA19-27").exists()
    client.post(reverse("lifecycle:term", args=["VITMMA19"]), form)
    assert Course.objects.filter(code="VITMMA19-27").exists()


def test_the_audit_log_page_shows_who_changed_what(client, scenario, instructor, student):
    adjustment_record(
        course=scenario.game.course,
        student=student,
        column_key=f"assignment:{scenario.homework.pk}",
        kind="override",
        reason="appeal",
        points=Decimal("8"),
        by=instructor,
    )
    client.force_login(instructor)
    html = client.get(reverse("lifecycle:audit", args=["VITMMA19"])).content.decode()
    assert "ABC123" in html and "adjustment" in html and instructor.display_name in html


def test_my_data_downloads_only_the_logged_in_persons_data_once_a_minute(
    client, scenario, student, other_student
):
    assert client.get(reverse("lifecycle:my_data_download")).status_code == 302  # log in first
    client.force_login(other_student)
    response = client.get(reverse("lifecycle:my_data_download"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert json.loads(archive.read("account.json"))["neptun_code"] == "XYZ789"
        assert not any(b"ABC123" in archive.read(name) for name in archive.namelist())
    again = client.get(reverse("lifecycle:my_data_download"))
    assert again.status_code == 429 and "try again in a minute" in again.content.decode()
    client.force_login(student)
    assert client.get(reverse("lifecycle:my_data_download")).status_code == 200
