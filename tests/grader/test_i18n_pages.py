"""A Hungarian user sees the homework, project and quiz pages in Hungarian (English stays the default)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.services import user_language_set
from projects.services import milestone_defaults_create, project_register
from tests.factories import AssignmentFactory
from tests.quizzes.test_jsi18n import catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def assignment(course):
    # Rows only: the pages need an assignment with a baseline, not a trained and graded reference.
    return AssignmentFactory(course=course, kinds=["predictions", "script"], points=10, daily_limit=3)


def page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_hungarian_student_sees_the_homework_pages_in_hungarian(client, student, assignment):
    user_language_set(user=student, language="hu")
    client.force_login(student)

    listing = page(client, "grader:assignments")
    assert '<html lang="hu">' in listing
    assert "Házi feladat" in listing and "Határidő" in listing and "Nyitva" in listing
    assert "még nincs beadás" in listing
    assert "nothing submitted yet" not in listing and ">Open<" not in listing

    detail = page(client, "grader:assignment", assignment.pk)
    for hungarian in (
        "Határidő:",
        "Késői beadás:",
        "Beadandó:",
        "Kiértékelés:",
        "Predikciók (CSV)",
        "napi 3 beadás (a sikertelenek nem számítanak)",
        "Feltöltés és kiértékelés",
        "Beadásaim",
        "Nyilvános ranglista",
        "Teljes ranglista",
        "A fájlod",
    ):
        assert hungarian in detail, hungarian
    for english in ("Late work:", "Hand in:", "Upload and grade", "My submissions", "Full leaderboard"):
        assert english not in detail, english
    # The hooks the tests and the script use stay as they were.
    for hook in ('id="upload-form"', 'id="my-submissions"', 'id="leaderboard-snippet"'):
        assert hook in detail, hook

    refused = client.post(
        reverse("grader:assignment", args=[assignment.pk]),
        {"file": SimpleUploadedFile("model.pt", b"\x80\x04junk")},
    )
    assert refused.status_code == 400
    assert "Ez a házi feladat ezeket fogadja el: Predikciók (CSV), Szkript (.py)." in refused.content.decode()

    board = page(client, "grader:leaderboard", assignment.pk)
    assert "Ranglista" in board and "Leaderboard</h1>" not in board

    # The live status script's own words come from the JavaScript catalogue, loaded before it.
    assert detail.index('src="/jsi18n/"') < detail.index("grader/live.js")
    translations = catalogue(client)
    assert translations["Updating live…"] == "Élőben frissül…"
    assert translations["#%(position)s in line"] == "%(position)s. a sorban"


def test_an_english_student_still_sees_english(client, student, assignment):
    user_language_set(user=student, language="en")
    client.force_login(student)
    detail = page(client, "grader:assignment", assignment.pk)
    assert "Upload and grade" in detail and "My submissions" in detail and "Feltöltés" not in detail


def test_a_hungarian_student_sees_the_project_page_in_hungarian(client, course, student, other_student):
    milestone_defaults_create(course=course, start=timezone.now() - timedelta(weeks=1))
    user_language_set(user=student, language="hu")
    client.force_login(student)
    html = page(client, "projects:my_project", course.code)
    assert "Regisztráld a csapatodat" in html and "A projekt címe" in html
    assert "Register your team" not in html

    project_register(course=course, registered_by=student, title="Bird songs", member_codes=["XYZ789"])
    html = page(client, "projects:my_project", course.code)
    assert "Projektem" in html and "Megajánlott jegy" in html and "Még nem jogosult" in html
    assert "Határidő:" in html and "Még nincs beadva" in html and "(te)" in html
    assert "Offered grade" not in html and "Not submitted yet" not in html


def test_a_hungarian_instructor_sees_the_quiz_list_in_hungarian(client, instructor):
    user_language_set(user=instructor, language="hu")
    client.force_login(instructor)
    html = page(client, "quizzes:quiz_list")
    assert "Kvízek" in html and "Új kvíz" in html and "Még nincs kvíz." in html and "Importálás" in html
    assert "New quiz" not in html and "No quizzes yet." not in html
