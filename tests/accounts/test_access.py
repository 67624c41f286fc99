"""Who may do what: pages and API by role, invitations, API tokens."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.services import api_token_regenerate, enrollment_set, invitation_accept, invitation_create
from core.errors import PlatformError
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.services

ROSTER = "Neptun kód;Név;E-mail\nNEW001;New Student;new@example.hu\n".encode()


def roster_url(course):
    return reverse("accounts:course_roster", kwargs={"code": course.code})


def test_anonymous_is_sent_to_login(client, course):
    response = client.get(roster_url(course))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_student_cannot_see_or_import_the_roster(client, student, course):
    client.force_login(student)
    assert client.get(roster_url(course)).status_code == 403
    assert client.post(roster_url(course), {"action": "invite"}).status_code == 403


def test_grader_sees_roster_but_cannot_import(client, grader_user, student, course):
    client.force_login(grader_user)
    page = client.get(roster_url(course))
    assert page.status_code == 200 and b"ABC123" in page.content
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(roster_url(course), {"file": SimpleUploadedFile("r.csv", ROSTER)})
    assert response.status_code == 403
    assert not User.objects.filter(neptun_code="NEW001").exists()


def test_instructor_imports_from_the_page(client, instructor, course):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(instructor)
    response = client.post(
        roster_url(course), {"action": "import", "file": SimpleUploadedFile("r.csv", ROSTER)}
    )
    assert response.status_code == 200 and b"1 new students" in response.content
    assert User.objects.filter(neptun_code="NEW001", enrollments__course=course).exists()


def test_instructor_of_another_course_has_no_rights_here(client, course):
    other = CourseFactory(code="OTHER1")
    teacher = UserFactory(username="elsewhere")
    enrollment_set(course=other, user=teacher, role=Role.INSTRUCTOR)
    client.force_login(teacher)
    assert client.get(roster_url(course)).status_code == 403


def test_api_roster_permissions_and_import(course, student, instructor):
    api = APIClient()
    url = reverse("api-course-roster", kwargs={"code": course.code})
    assert api.get(url).status_code in (401, 403)
    api.force_authenticate(student)
    assert api.get(url).status_code == 403
    api.force_authenticate(instructor)
    listed = api.get(url)
    assert listed.status_code == 200 and any(row["neptun_code"] == "ABC123" for row in listed.json())
    from django.core.files.uploadedfile import SimpleUploadedFile

    imported = api.post(url, {"file": SimpleUploadedFile("r.csv", ROSTER)}, format="multipart")
    assert imported.status_code == 200 and imported.json()["created"] == 1
    garbage = api.post(url, {"file": SimpleUploadedFile("r.csv", b"nothing useful")}, format="multipart")
    assert garbage.status_code == 400 and "Neptun" in garbage.json()["detail"]


def test_api_token_authenticates_scripts(course, student):
    token = api_token_regenerate(user=student)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    me = api.get(reverse("api-me")).json()
    assert me["neptun_code"] == "ABC123" and me["courses"][0]["role"] == "student"
    replaced = api_token_regenerate(user=student)
    assert replaced.key != token.key
    assert api.get(reverse("api-me")).status_code == 401


def test_token_page_creates_a_token(client, student):
    client.force_login(student)
    client.post(reverse("accounts:api_token"))
    assert re.search(rb'id="api-token">[0-9a-f]{40}<', client.get(reverse("accounts:api_token")).content)


def test_invitation_flow_is_one_time(client, course, settings):
    from accounts.roster import roster_import
    from accounts.services import invitations_send

    roster_import(course=course, filename="r.csv", content=ROSTER)
    assert invitations_send(course=course) == 1
    link = re.search(r"https?://\S+/accounts/activate/\S+/", mail.outbox[0].body).group(0)
    path = link.split(settings.SITE_URL, 1)[1]
    assert client.get(path).status_code == 200
    short = client.post(path, {"password": "x", "password_again": "x"})
    assert short.status_code == 200 and not User.objects.get(neptun_code="NEW001").is_active
    done = client.post(path, {"password": "a-Long-pass-1234", "password_again": "a-Long-pass-1234"})
    assert done.status_code == 302
    user = User.objects.get(neptun_code="NEW001")
    assert user.is_active and user.check_password("a-Long-pass-1234")
    assert client.get(path).status_code == 400
    client.logout()
    login = client.post(reverse("accounts:login"), {"username": " new001 ", "password": "a-Long-pass-1234"})
    assert login.status_code == 302


def test_bad_invitation_tokens_are_refused(db, student):
    with pytest.raises(PlatformError, match="not valid"):
        invitation_accept(token="forged", password="a-Long-pass-1234")
    token = invitation_create(user=student)
    invitation_accept(token=token, password="a-Long-pass-1234")
    with pytest.raises(PlatformError, match="already used"):
        invitation_accept(token=token, password="another-Long-pass-1")


def test_roles_are_groups_without_site_wide_permissions(instructor, grader_user, student):
    for user in (instructor, grader_user, student):
        assert not User.objects.get(pk=user.pk).get_all_permissions()
    assert not Group.objects.filter(permissions__isnull=False).exists()
    assert set(instructor.groups.values_list("name", flat=True)) == {"Instructors"}


def test_admin_searches_by_neptun_code(client, student, course):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": "abc123"})
    assert response.status_code == 200 and b"ABC123" in response.content
    for name in ("course", "enrollment", "invitation"):
        assert client.get(reverse(f"admin:accounts_{name}_changelist")).status_code == 200


def test_openapi_schema_and_docs_are_served(client, student):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/me/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()
