"""Every URL of the site × every kind of person: who gets in, and that nobody outside a course reads it.

The test walks the URL configuration: a URL without an entry in ``ACCESS`` fails it, so a new view has to
say who may open it. Each URL is opened with the ids of course B's objects (a quiz with its answers, a
finished game, an assignment with a submission and its files, a team with a graded milestone and its
PDF, a gradebook adjustment) by nine people: nobody, a student of another course, a classmate, the
student who owns the objects, a grader and an instructor of another course, B's grader and instructor,
and the superuser. A refusal is a 403 or a 404 (or the login page for nobody); and nothing that someone
outside course B gets back holds B's names, e-mails, titles or answers.
"""

import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import enrollment_set
from gradebook.models import Adjustment
from grader import views as grader_views
from grader.assets import asset_add
from projects.models import TeamInvitation
from quizzes.consumers import CLOSE_FORBIDDEN
from quizzes.generators.core import generator_names
from quizzes.models import Player, Question, Quiz
from quizzes.routing import websocket_urlpatterns
from quizzes.services import game_create
from tests.factories import CourseFactory, StudentFactory, UserFactory
from tests.gradebook.scenario import scenario_build
from tests.projects.pdfs import tiny_pdf

pytestmark = pytest.mark.services

ANON, OUTSIDER, CLASSMATE, OWNER = "anonymous", "student-of-A", "classmate", "owner"
GRADER_A, INSTRUCTOR_A, GRADER_B, INSTRUCTOR_B, ROOT = (
    "grader-of-A",
    "instructor-of-A",
    "grader-of-B",
    "instructor-of-B",
    "superuser",
)
ROLES = [ANON, OUTSIDER, CLASSMATE, OWNER, GRADER_A, INSTRUCTOR_A, GRADER_B, INSTRUCTOR_B, ROOT]
OUTSIDE_B = {ANON, OUTSIDER, GRADER_A, INSTRUCTOR_A}

# Who may open a URL (with course B's objects in it).
PUBLIC = set(ROLES)
LOGGED_IN = set(ROLES) - {ANON}
ANY_STAFF = {GRADER_A, INSTRUCTOR_A, GRADER_B, INSTRUCTOR_B, ROOT}
B_MEMBERS = {CLASSMATE, OWNER, GRADER_B, INSTRUCTOR_B, ROOT}
B_OWNER = {OWNER, GRADER_B, INSTRUCTOR_B, ROOT}
B_STAFF = {GRADER_B, INSTRUCTOR_B, ROOT}
B_INSTRUCTORS = {INSTRUCTOR_B, ROOT}
SUPERUSER = {ROOT}


@dataclass(frozen=True)
class Access:
    allowed: set[str]
    method: str = "GET"  # "POST" for views that only take POST (sent empty: the check comes first)
    # Statuses an allowed person may get besides < 400: the objects' ids are real but the request is empty.
    tolerated: frozenset[int] = frozenset()


ACCESS: dict[str, Access] = {
    "core:home": Access(LOGGED_IN),
    "core:healthz": Access(PUBLIC),
    "core:language": Access(PUBLIC, "POST"),
    "accounts:login": Access(PUBLIC),
    "accounts:logout": Access(PUBLIC, "POST"),
    "accounts:activate": Access(PUBLIC, tolerated=frozenset({400})),  # a made-up token: "not valid"
    "accounts:api_token": Access(LOGGED_IN),
    "accounts:course_roster": Access(B_STAFF),
    "quizzes:quiz_list": Access(ANY_STAFF),
    "quizzes:quiz_import": Access(ANY_STAFF, "POST", frozenset({400})),
    "quizzes:play": Access(PUBLIC),
    "quizzes:join": Access(PUBLIC),
    "quizzes:quiz_edit": Access(B_INSTRUCTORS),
    "quizzes:quiz_export": Access(B_INSTRUCTORS),
    "quizzes:question_new": Access(B_INSTRUCTORS),
    "quizzes:question_edit": Access(B_INSTRUCTORS),
    "quizzes:question_action": Access(B_INSTRUCTORS, "POST"),
    "quizzes:game_start": Access(B_INSTRUCTORS, "POST"),
    "quizzes:game_host": Access(B_INSTRUCTORS),
    "quizzes:game_results": Access(B_STAFF),
    "quizzes:game_results_export": Access(B_STAFF),
    "quizzes:game_player_remove": Access(B_STAFF, "POST"),  # the service lets only the hosts remove
    "quizzes:course_hall": Access(B_INSTRUCTORS),
    "quizzes:course_practice": Access(B_STAFF),
    "quizzes:generator_preview": Access(ANY_STAFF),
    "quizzes:practice_home": Access(LOGGED_IN),
    "quizzes:practice_topic": Access(LOGGED_IN),
    "grader:assignments": Access(LOGGED_IN),
    "grader:queue": Access(ANY_STAFF),
    "grader:assignment_new": Access(B_INSTRUCTORS),
    "grader:assignment": Access(B_MEMBERS),
    "grader:assignment_edit": Access(B_INSTRUCTORS),
    "grader:my_submissions_status": Access(B_MEMBERS),
    "grader:public_file": Access(B_MEMBERS),
    "grader:asset": Access(B_MEMBERS),
    "grader:asset_remove": Access(B_INSTRUCTORS, "POST"),
    "grader:leaderboard": Access(B_MEMBERS),
    "grader:runtime": Access(B_MEMBERS),
    "grader:regrade": Access(B_INSTRUCTORS, "POST"),
    "grader:students": Access(B_STAFF),
    "grader:results_csv": Access(B_STAFF),
    "grader:student_history": Access(B_STAFF),
    "grader:grading": Access(B_STAFF),
    "grader:grading_student": Access(B_STAFF),
    # The owner's grade is not published in this scenario: "not found" for everyone, the owner included.
    "grader:my_grade": Access({OWNER}, tolerated=frozenset({404})),
    "grader:submission": Access(B_OWNER),
    "grader:submission_status": Access(B_OWNER),
    "grader:submission_file": Access(B_OWNER),
    "grader:submission_notebook": Access(B_OWNER),
    "projects:index": Access(LOGGED_IN),
    "projects:my_project": Access(B_MEMBERS),  # staff are sent on to the course's projects
    "projects:course_projects": Access(B_STAFF),
    "projects:milestones": Access(B_INSTRUCTORS),
    "projects:member_change": Access(B_OWNER, "POST"),
    "projects:invitation_answer": Access({CLASSMATE}, "POST"),  # the invited student only
    "projects:submit": Access(B_OWNER, "POST", frozenset({400})),
    "projects:grade": Access(B_STAFF),
    "projects:submission_pdf": Access(B_OWNER),
    "projects:commit_archive": Access(B_OWNER),
    "gradebook:index": Access(LOGGED_IN),
    "gradebook:course": Access(B_STAFF),
    "gradebook:export_csv": Access(B_STAFF),
    "gradebook:export_xlsx": Access(B_STAFF),
    "gradebook:weights": Access(B_INSTRUCTORS),
    "gradebook:rules": Access(B_INSTRUCTORS),
    "gradebook:my_grades": Access(B_MEMBERS),  # staff are sent on to the whole table
    "gradebook:student": Access(B_STAFF),
    "gradebook:adjustment_new": Access(B_STAFF, "POST", frozenset({400})),
    "gradebook:adjustment_withdraw": Access(B_STAFF, "POST"),
    "dashboards:course": Access(B_STAFF),
    "api-me": Access(LOGGED_IN),
    "api-course-roster": Access(B_STAFF),
    "api-assignments": Access(LOGGED_IN),
    "api-assignment-submissions": Access(B_MEMBERS),
    "api-assignment-leaderboard": Access(B_MEMBERS),
    "api-submission": Access(B_OWNER),
    "api-schema": Access(PUBLIC),
    "api-docs": Access(PUBLIC),
    "api-redoc": Access(PUBLIC),
    "javascript-catalog": Access(PUBLIC),
    "lifecycle:my_data": Access(LOGGED_IN),
    # Once a minute per person: a test that reuses a person's id may meet the limit.
    "lifecycle:my_data_download": Access(LOGGED_IN, tolerated=frozenset({429})),
    "lifecycle:term": Access(B_STAFF),
    # 404 for the staff while the term is open: there is no final export yet.
    "lifecycle:final_export": Access(B_STAFF, tolerated=frozenset({404})),
    "lifecycle:audit": Access(B_INSTRUCTORS),
}


def url_names() -> list[tuple[str, list[str]]]:
    """(name, its path parameters) of every named URL outside the admin."""
    found: list[tuple[str, list[str]]] = []

    def walk(resolver: URLResolver, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
                if inner != "admin":
                    walk(entry, inner or namespace)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
                found.append((name, list(entry.pattern.regex.groupindex)))

    walk(get_resolver(), "")
    return found


def test_every_url_says_who_may_open_it():
    names = {name for name, _ in url_names()}
    missing = sorted(names - set(ACCESS))
    assert not missing, f"Add these URLs to ACCESS in tests/test_rights_matrix.py: {missing}"
    assert not set(ACCESS) - names, f"ACCESS lists URLs that no longer exist: {sorted(set(ACCESS) - names)}"


@pytest.fixture
def world(course, student, other_student, instructor, grader_user, settings, tmp_path):
    """Course B (``course``) with one of everything; course A with its own people; a superuser."""
    settings.MEDIA_ROOT = tmp_path / "media"
    student.full_name, student.email = "Bee Owner-Student", "owner.b@example.edu"
    student.save()
    scene = scenario_build(course=course, student=student, other_student=other_student, instructor=instructor)
    question = Question.objects.filter(quiz=scene.game.quiz).first()
    assert question is not None
    question.choices = [{"text": "ANSWER-OF-B", "correct": True}, {"text": "wrong", "correct": False}]
    question.save()
    scene.on_time.file.save("predictions.csv", ContentFile(b"id,y\n1,0.5\n"), save=False)
    scene.on_time.executed_html.save("run.html", ContentFile(b"<p>notebook of B</p>"), save=False)
    scene.on_time.save()
    hand_in = scene.project.submissions.get()
    hand_in.pdf.save("report.pdf", ContentFile(tiny_pdf()), save=True)
    hand_in.commit_sha = "a" * 40
    hand_in.commit_archive.save("commit.tar.gz", ContentFile(b"archive of B"), save=True)
    adjustment = Adjustment.objects.create(
        course=course,
        student=student,
        column_key=f"assignment:{scene.homework.pk}",
        kind="excused",
        reason="ill",
        created_by=instructor,
        created_at=timezone.now() - timedelta(hours=1),
    )
    classmate = StudentFactory(neptun_code="CLS001", username="CLS001")
    enrollment_set(course=course, user=classmate, role=Role.STUDENT)
    invitation = TeamInvitation.objects.create(project=scene.project, student=classmate, invited_by=student)
    course_a = CourseFactory(code="COURSEA", title="Another course")
    people: dict[str, User | None] = {ANON: None, OWNER: student, CLASSMATE: classmate}
    people[GRADER_B], people[INSTRUCTOR_B] = grader_user, instructor
    for role, name, course_role in (
        (OUTSIDER, "OUT001", Role.STUDENT),
        (GRADER_A, "grader-a", Role.GRADER),
        (INSTRUCTOR_A, "instructor-a", Role.INSTRUCTOR),
    ):
        person = UserFactory(username=name, full_name=f"Person {name}")
        enrollment_set(course=course_a, user=person, role=course_role)
        people[role] = person
    people[ROOT] = UserFactory(username="root", is_staff=True, is_superuser=True)
    public_files = grader_views._public_files(scene.homework)
    asset_add(assignment=scene.homework, by=None, upload=io.BytesIO(b"backbone of B"), name="backbone.py")
    kwargs = {
        "code": course.code,
        "token": "made-up-token",
        "quiz_id": scene.game.quiz_id,
        "question_id": question.pk,
        "game_id": scene.game.pk,
        "fmt": "csv",
        "user_id": student.pk,
        "name": public_files[0][0] if public_files else "train.csv",
        "project_id": scene.project.pk,
        "milestone_id": scene.milestone.pk,
        "submission_id": hand_in.pk,
        "neptun_code": student.neptun_code,
        "invitation_id": invitation.pk,
        "generator": generator_names()[0],
        "asset": "backbone.py",
    }
    pks = {"grader:submission": scene.on_time.pk, "api-submission": scene.on_time.pk}
    pks |= {n: scene.on_time.pk for n in ("grader:submission_status", "grader:submission_file")}
    pks |= {"grader:submission_notebook": scene.on_time.pk, "gradebook:adjustment_withdraw": adjustment.pk}
    secrets = [
        "ANSWER-OF-B",
        "Bee Owner-Student",
        "owner.b@example.edu",
        scene.homework.title,
        scene.project.title,
        scene.game.quiz.title,
        "notebook of B",
        "backbone of B",
    ]
    return people, kwargs, pks, secrets, scene


def url_for(name: str, params: list[str], kwargs: dict, pks: dict) -> str:
    """The URL with course B's objects; ``pk`` is the assignment's unless ``pks`` names another object."""
    values = {p: pks.get(name, kwargs["assignment_pk"]) if p == "pk" else kwargs[p] for p in params}
    return reverse(name, kwargs=values)


def refused(response, role: str) -> bool:
    if response.status_code in (403, 404, 401):
        return True
    to_login = response.status_code == 302 and "/login/" in response.get("Location", "")
    return role == ANON and to_login


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.parametrize("role", ROLES)
def test_each_person_gets_exactly_what_their_role_in_the_course_allows(world, role):
    people, kwargs, pks, secrets, scene = world
    kwargs = kwargs | {"assignment_pk": scene.homework.pk}
    client = Client()
    if people[role] is not None:
        client.force_login(people[role])
    wrong: list[str] = []
    for name, params in url_names():
        access = ACCESS[name]
        url = url_for(name, params, kwargs, pks)
        methods = [access.method] if access.method == "POST" else ["GET", "POST"]
        for method in methods:
            if method == "POST" and role in access.allowed:
                continue  # an empty POST by someone allowed is a form error, tried by the views' own tests
            response = client.post(url) if method == "POST" else client.get(url)
            text = body(response)
            if role in access.allowed:
                ok = response.status_code < 400 or response.status_code in access.tolerated
                if not ok or (refused(response, role) and response.status_code not in access.tolerated):
                    wrong.append(f"{method} {url}: {response.status_code}, but {role} may open it")
            elif not refused(response, role) and response.status_code != 405:
                wrong.append(f"{method} {url}: {response.status_code}, but {role} must be refused")
            if role in OUTSIDE_B:
                leaked = [s for s in secrets if s in text]
                if leaked:
                    wrong.append(f"{method} {url}: shows {leaked} to {role}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", [OUTSIDER, CLASSMATE, OWNER, GRADER_A, INSTRUCTOR_A, GRADER_B, INSTRUCTOR_B])
def test_nobody_but_the_superuser_gets_into_the_admin(world, role):
    people, *_ = world
    client = Client()
    client.force_login(people[role])
    admin_urls = [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[people[ROOT].pk]),
        reverse("admin:auth_user_password_change", args=[people[ROOT].pk]),
        reverse("admin:accounts_enrollment_add"),
        reverse("admin:quizzes_question_changelist"),
    ]
    for url in admin_urls:
        for response in (client.get(url), client.post(url, {"password1": "x", "password2": "x"})):
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    root = Client()
    root.force_login(people[ROOT])
    assert all(root.get(url).status_code == 200 for url in admin_urls)


@pytest.mark.django_db(transaction=True)
def test_a_game_of_course_b_made_from_a_quiz_of_course_a_is_run_only_by_bs_instructors(course, instructor):
    """A teacher of both courses starts a game for B from A's quiz: A's other instructor must not run it,
    nor read B's players, on the pages or on the host's socket."""
    course_a = CourseFactory(code="COURSEA")
    enrollment_set(course=course_a, user=instructor, role=Role.INSTRUCTOR)
    only_a = UserFactory(username="instructor-a")
    enrollment_set(course=course_a, user=only_a, role=Role.INSTRUCTOR)
    quiz = Quiz.objects.create(title="Quiz of A", course=course_a, owner=instructor)
    Question.objects.create(
        quiz=quiz, position=0, kind="single", text="Q", choices=[{"text": "a", "correct": True}]
    )
    game = game_create(quiz=quiz, host=instructor, course=course)
    Player.objects.create(game=game, neptun_code="ABC123", seat_token="SEAT-OF-B", joined_at=timezone.now())
    client = Client()
    client.force_login(only_a)
    for name in ("quizzes:game_host", "quizzes:game_results"):
        assert client.get(reverse(name, kwargs={"game_id": game.pk})).status_code == 403
    client.force_login(instructor)
    assert client.get(reverse("quizzes:game_host", kwargs={"game_id": game.pk})).status_code == 200

    async def host_socket(user) -> tuple[dict, int | None]:
        communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/quizzes/host/{game.pk}/")
        communicator.scope["user"] = user
        await communicator.connect()
        frame = json.loads(await communicator.receive_from(timeout=5))
        closed = await communicator.receive_output(timeout=5)
        await communicator.disconnect()
        return frame, closed.get("code")

    frame, code = async_to_sync(host_socket)(only_a)
    assert frame["type"] == "error" and code == CLOSE_FORBIDDEN and "SEAT-OF-B" not in json.dumps(frame)


def test_the_staff_of_b_cannot_look_up_a_student_of_another_course_by_id(client, instructor, assignment_b):
    outsider = StudentFactory(neptun_code="OUT001", username="OUT001", full_name="Secret Outsider")
    enrollment_set(course=CourseFactory(code="COURSEA"), user=outsider, role=Role.STUDENT)
    client.force_login(instructor)
    url = reverse("grader:student_history", kwargs={"pk": assignment_b.pk, "user_id": outsider.pk})
    response = client.get(url)
    assert response.status_code == 404 and "Secret Outsider" not in response.content.decode()


@pytest.fixture
def assignment_b(course):
    from tests.gradebook.scenario import assignment_make

    return assignment_make(course, title="Homework of B", deadline=timezone.now() + timedelta(days=3))


def admin_urls(people: dict) -> list[str]:
    """Every URL of the admin (each registered model's list, add, change, delete, history...), with ids."""
    from django.contrib import admin

    values = {"object_id": str(people[ROOT].pk), "content_type_id": "1", "app_label": "accounts"}
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif entry.name not in ("login", "logout"):
                route = prefix + str(entry.pattern)
                for param in entry.pattern.regex.groupindex:
                    route = re.sub(rf"<(\w+:)?{param}>", values.get(param, "1"), route)
                found.append("/admin/" + route.lstrip("^").rstrip("$"))

    walk(admin.site.get_urls(), "")
    return [url for url in found if "(?P" not in url]


@pytest.mark.parametrize("role", [OUTSIDER, CLASSMATE, OWNER, GRADER_A, INSTRUCTOR_A, GRADER_B, INSTRUCTOR_B])
def test_every_admin_url_sends_course_people_to_the_admin_login(world, role):
    people, *_ = world
    client = Client()
    client.force_login(people[role])
    urls = admin_urls(people)
    assert len(urls) > 60  # the walk found the registered models' pages
    login = reverse("admin:login")
    wrong = []
    for url in urls:
        for response in (client.get(url), client.post(url, {"is_superuser": "on", "password1": "x"})):
            if not (response.status_code == 302 and response["Location"].startswith(login)):
                wrong.append(f"{url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
