"""The admin is for superusers only; course staff keep no site-wide rights (issue 10 §3).

Replays the attacks that got through: an instructor of course A reset the superuser's password and made
themselves instructor of course B in /admin; a grader of A read B's questions with their answers, every
user's e-mail and live seat tokens.
"""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from accounts.models import Enrollment, Role, User
from accounts.roles import groups_sync
from accounts.services import enrollment_set, staff_user_create
from quizzes.models import Game, Player, Question, Quiz
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.services

ROOT_PASSWORD = "root-password-2026"


@pytest.fixture
def root(db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    user.set_password(ROOT_PASSWORD)
    user.save()
    return user


@pytest.fixture
def course_a(db):
    return CourseFactory(code="COURSEA")


@pytest.fixture
def staff_of_a(course_a):
    """An instructor and a grader of course A, with is_staff set as the old code did."""
    teacher = UserFactory(username="teacher-a", is_staff=True)
    enrollment_set(course=course_a, user=teacher, role=Role.INSTRUCTOR)
    marker = UserFactory(username="marker-a", is_staff=True)
    enrollment_set(course=course_a, user=marker, role=Role.GRADER)
    return teacher, marker


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def test_course_staff_are_sent_to_the_admin_login_everywhere_in_the_admin(client, staff_of_a, root, course):
    for user in staff_of_a:
        client.force_login(user)
        for url in (
            admin_url("index"),
            admin_url("accounts_user_changelist"),
            admin_url("accounts_user_change", root.pk),
            admin_url("accounts_enrollment_changelist"),
            admin_url("quizzes_question_changelist"),
            admin_url("quizzes_player_changelist"),
        ):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(admin_url("login")), url


def test_an_instructor_cannot_reset_the_superusers_password_or_enrol_in_another_course(
    client, staff_of_a, root, course
):
    teacher, _ = staff_of_a
    client.force_login(teacher)
    client.post(
        admin_url("auth_user_password_change", root.pk),
        {"password1": "taken-over-2026", "password2": "taken-over-2026", "usable_password": "true"},
    )
    client.post(
        admin_url("accounts_enrollment_add"), {"course": course.pk, "user": teacher.pk, "role": "instructor"}
    )
    client.post(
        admin_url("accounts_user_change", teacher.pk),
        {"username": teacher.username, "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    )
    root.refresh_from_db()
    teacher.refresh_from_db()
    assert root.check_password(ROOT_PASSWORD)
    assert not Enrollment.objects.filter(user=teacher, course=course).exists()
    assert not teacher.is_superuser


def test_a_grader_cannot_read_another_courses_answers_emails_or_seat_tokens(
    client, staff_of_a, instructor, course
):
    _, marker = staff_of_a
    quiz = Quiz.objects.create(title="Secret quiz", course=course, owner=instructor)
    Question.objects.create(
        quiz=quiz, position=0, kind="single", text="Q", choices=[{"text": "THE-ANSWER", "correct": True}]
    )
    game = Game.objects.create(
        quiz=quiz, course=course, host=instructor, pin="111222", key="k", question_ids=[]
    )
    Player.objects.create(
        game=game, neptun_code="ABC123", seat_token="SEAT-TOKEN-XYZ", joined_at=timezone.now()
    )
    client.force_login(marker)
    for name in ("quizzes_question_changelist", "accounts_user_changelist", "quizzes_player_changelist"):
        body = client.get(admin_url(name), follow=True).content.decode()
        assert "THE-ANSWER" not in body and instructor.email not in body and "SEAT-TOKEN-XYZ" not in body
        assert 'name="password"' in body  # it is the admin's login form


def test_the_superuser_still_has_the_whole_admin(client, root, student):
    client.force_login(root)
    assert client.get(admin_url("index")).status_code == 200
    page = client.get(admin_url("accounts_user_changelist"), {"q": "abc123"})
    assert page.status_code == 200 and b"ABC123" in page.content


def test_the_admins_login_form_refuses_course_staff_with_the_right_password(client, staff_of_a):
    teacher, _ = staff_of_a
    teacher.set_password("teacher-pass-2026")
    teacher.save()
    client.post(admin_url("login"), {"username": "teacher-a", "password": "teacher-pass-2026"})
    assert client.get(admin_url("index")).status_code == 302


def test_enrolling_staff_gives_no_site_wide_permission_and_no_admin_flag(course):
    teacher = UserFactory(username="fresh-teacher")
    enrollment_set(course=course, user=teacher, role=Role.INSTRUCTOR)
    made = staff_user_create(
        username="fresh-grader", email="g@example.edu", password="a-Long-pass-1234", role=Role.GRADER
    )
    for user in (User.objects.get(pk=teacher.pk), User.objects.get(pk=made.pk)):
        assert not user.is_staff and not user.get_all_permissions()


def test_groups_sync_takes_back_permissions_granted_earlier(db):
    groups_sync()
    instructors = Group.objects.get(name="Instructors")
    instructors.permissions.set(Permission.objects.filter(codename="change_user"))
    groups_sync()
    assert not instructors.permissions.exists()


def test_the_migration_takes_the_admin_flag_from_course_staff_but_not_from_superusers(staff_of_a, root):
    migration = importlib.import_module("accounts.migrations.0003_rights_course_staff_leave_admin")
    Group.objects.get(name="Instructors").permissions.set(Permission.objects.all()[:5])
    migration.forwards(apps, None)
    teacher, marker = (User.objects.get(pk=u.pk) for u in staff_of_a)
    assert not teacher.is_staff and not marker.is_staff
    assert User.objects.get(pk=root.pk).is_staff
    assert not Group.objects.filter(permissions__isnull=False).exists()
