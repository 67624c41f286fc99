"""The question's generator scope: the field and its migration, the form, the preview, YAML, the
live game (both the broadcast and the reconnect path) and practice."""

import pytest
from asgiref.sync import async_to_sync
from django.core import signing
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.models import Role
from accounts.services import enrollment_set
from core.errors import PlatformError
from quizzes import consumers
from quizzes.authoring import ImportProblems, QuestionDraft, quiz_yaml_dump, quiz_yaml_parse
from quizzes.generators import variant_generate
from quizzes.generators.scope import beyond_lecture
from quizzes.mathtext import text_to_html
from quizzes.models import Game, Question
from quizzes.practice import PRACTICE_SALT, practice_answer, practice_next
from quizzes.selectors import player_variant
from quizzes.services import game_create, question_save
from tests.factories import StudentFactory

from .test_consumers import advance, connect, join, receive, send

GENERATOR = "conv2d_output_shape"
# Lecture notation shows each advanced form in the text: d: (dilation), groups:, z:same.
ADVANCED_MARKS = (", d:", "groups:", "z:same")


def _parametric(scope: str) -> QuestionDraft:
    return QuestionDraft(kind="parametric", generator=GENERATOR, scope=scope, time_limit=60)


# --- the field and the migration ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_existing_questions_advanced_and_new_ones_lecture(instructor, course):
    executor = MigrationExecutor(connection)
    executor.migrate([("quizzes", "0004_practice_attempts")])
    old_apps = executor.loader.project_state([("quizzes", "0004_practice_attempts")]).apps
    OldQuiz, OldQuestion = old_apps.get_model("quizzes", "Quiz"), old_apps.get_model("quizzes", "Question")
    quiz = OldQuiz.objects.create(title="Before scopes", owner_id=instructor.id, course_id=course.id)
    old = OldQuestion.objects.create(quiz=quiz, kind="parametric", generator=GENERATOR)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Question.objects.get(id=old.id).scope == "advanced"  # its variants stay what they were
    new = Question.objects.create(quiz_id=quiz.id, kind="parametric", generator=GENERATOR)
    assert new.scope == "lecture"


@pytest.mark.django_db
def test_a_question_with_an_unknown_scope_is_refused(quiz_factory, instructor):
    quiz = quiz_factory()
    with pytest.raises(PlatformError, match="scope must be lecture or advanced"):
        question_save(quiz=quiz, user=instructor, draft=_parametric("expert"))
    with pytest.raises(PlatformError, match="scope must be lecture or advanced"):
        question_save(quiz=quiz, user=instructor, draft=QuestionDraft(text="Why?", kind="poll", scope="x"))
    assert quiz.questions.count() == 0


# --- the question form and its preview ----------------------------------------------------------


@pytest.fixture
def instructor_client(client, instructor):
    client.force_login(instructor)
    return client


FORM = {"kind": "parametric", "generator": GENERATOR, "notation": "lecture", "time_limit": 60, "points": 1000}


@pytest.mark.django_db
def test_the_form_offers_the_scope_saves_it_and_keeps_it_on_edit(instructor_client, quiz_factory):
    quiz = quiz_factory()
    new = reverse("quizzes:question_new", args=[quiz.id])
    page = instructor_client.get(new).content.decode()
    assert 'name="scope"' in page and "Advanced: also dilation" in page
    assert instructor_client.post(new, {**FORM, "scope": "advanced"}).status_code == 302
    assert instructor_client.post(new, FORM).status_code == 302  # not sent: the lecture's
    advanced, lecture = quiz.questions.order_by("position")
    assert (advanced.scope, lecture.scope) == ("advanced", "lecture")
    edit = reverse("quizzes:question_edit", args=[quiz.id, advanced.id])
    assert 'value="advanced" selected' in instructor_client.get(edit).content.decode()
    instructor_client.post(edit, {**FORM, "scope": "lecture"})
    advanced.refresh_from_db()
    assert advanced.scope == "lecture"


@pytest.mark.django_db
def test_a_bad_scope_in_the_form_is_an_error_and_saves_nothing(instructor_client, quiz_factory):
    quiz = quiz_factory()
    response = instructor_client.post(
        reverse("quizzes:question_new", args=[quiz.id]), {**FORM, "scope": "<script>"}
    )
    assert response.status_code == 200 and response.context["form"].errors["scope"]
    assert quiz.questions.count() == 0


@pytest.mark.django_db
def test_the_preview_takes_the_scope(client, instructor):
    client.force_login(instructor)
    url = reverse("quizzes:generator_preview", args=[GENERATOR])
    lecture = [client.get(url, {"scope": "lecture"}).json() for _ in range(30)]
    assert {s["scope"] for s in lecture} == {"lecture"}
    assert not [s for s in lecture if any(m in s["prompt_html"] for m in ADVANCED_MARKS)]
    advanced = [client.get(url, {"scope": "advanced"}).json() for _ in range(30)]
    # 30 random seeds: the chance that none shows dilation, groups or "same" is about 1e-8.
    assert [s for s in advanced if any(m in s["prompt_html"] for m in ADVANCED_MARKS)]
    assert client.get(url, {"scope": "expert"}).json()["scope"] == "lecture"
    assert client.get(url).json()["scope"] == "lecture"


def test_yaml_keeps_the_scope_and_old_files_read_as_lecture():
    text = quiz_yaml_dump(title="T", description="", questions=[_parametric("advanced")])
    assert quiz_yaml_parse(text).questions[0].scope == "advanced"
    old = "title: T\nquestions:\n  - type: parametric\n    generator: conv2d_output_shape\n"
    assert quiz_yaml_parse(old).questions[0].scope == "lecture"
    with pytest.raises(ImportProblems) as refused:
        quiz_yaml_parse(old + "    scope: expert\n")
    assert "scope must be lecture or advanced" in str(refused.value.problems)


# --- the live game ------------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scope", ["lecture", "advanced"])
def test_the_live_game_draws_each_players_variant_in_the_questions_scope(
    scope, quiz_factory, instructor, course, student
):
    quiz = quiz_factory(_parametric(scope))
    game = game_create(quiz=quiz, host=instructor, course=course)
    question = quiz.questions.get()
    other = "advanced" if scope == "lecture" else "lecture"

    def variant(code, in_scope):
        return variant_generate(
            generator=GENERATOR,
            seed=player_variant(game=game, question=question, neptun_code=code).seed,
            scope=in_scope,
        )

    # A plain draw is the same in both scopes: take a player whose two variants differ.
    code = next(
        c for c in (f"ABC{i:03d}" for i in range(100)) if variant(c, scope).prompt != variant(c, other).prompt
    )
    enrollment_set(course=course, user=StudentFactory(neptun_code=code, username=code), role=Role.STUDENT)

    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        await receive(host, "state")
        phone, welcome = await join(game, code)
        await advance(host, "lobby", -1)
        shown = (await receive(phone, "question"))["variant"]["prompt_html"]
        assert shown == text_to_html(variant(code, scope).prompt)
        assert shown != text_to_html(variant(code, other).prompt)
        # A reload served by another process: the variant comes from the live question, not the event.
        await phone.disconnect()
        consumers._live_questions.clear()
        again = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(again, type="resume", seat=welcome["seat"])
        await receive(again, "welcome")
        resumed = await receive(again, "question")
        assert resumed["variant"]["prompt_html"] == shown
        await send(again, type="answer", question=0, text=variant(code, scope).answer)
        assert (await receive(again))["type"] == "answer.accepted"
        await send(host, type="skip", index=0)
        assert (await receive(again, "reveal"))["you"]["correct"] is True
        await again.disconnect()
        await host.disconnect()

    consumers._live_questions.clear()
    async_to_sync(scenario)()
    assert Game.objects.get(id=game.id).players.get().score > 0


# --- practice -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_practice_keeps_to_the_lecture_unless_asked_and_checks_in_the_scope_it_showed(student):
    for _ in range(15):
        item = practice_next(user=student, generator=GENERATOR)
        assert item.scope == "lecture" and item.has_advanced
        assert beyond_lecture(torch=item.variant.torch) == []
        assert practice_answer(user=student, token=item.token, text=item.variant.answer).correct
    seen = set()
    for _ in range(15):
        item = practice_next(user=student, generator=GENERATOR, scope="advanced")
        seen.update(beyond_lecture(torch=item.variant.torch))
        assert practice_answer(user=student, token=item.token, text=item.variant.answer).correct
    assert seen  # 15 advanced draws: about 1 in 10^7 that none goes beyond the slide
    assert practice_next(user=student, generator="recurrent_parameters").has_advanced is False
    assert practice_next(user=student, generator=GENERATOR, scope="<x>").scope == "lecture"


@pytest.mark.django_db
def test_a_token_from_before_scopes_is_checked_in_the_advanced_scope(student):
    seed = 12345
    token = signing.dumps({"u": student.pk, "g": GENERATOR, "s": seed}, salt=PRACTICE_SALT)
    answer = variant_generate(generator=GENERATOR, seed=seed, notation="lecture", scope="advanced").answer
    assert practice_answer(user=student, token=token, text=answer).correct
    forged = signing.dumps({"u": student.pk, "g": GENERATOR, "s": 1, "c": "expert"}, salt=PRACTICE_SALT)
    with pytest.raises(PlatformError, match="out of date"):
        practice_answer(user=student, token=forged, text="1@1x1")


@pytest.mark.django_db
def test_the_practice_page_toggles_the_scope_and_keeps_it_after_an_answer(client, student):
    client.force_login(student)
    url = reverse("quizzes:practice_topic", args=[GENERATOR])
    page = client.get(url)
    assert page.context["item"].scope == "lecture" and 'href="?scope=advanced"' in page.content.decode()
    page = client.get(url, {"scope": "advanced"})
    item = page.context["item"]
    assert item.scope == "advanced" and 'href="?scope=lecture"' in page.content.decode()
    answered = client.post(url + "?scope=advanced", {"token": item.token, "answer": item.variant.answer})
    assert answered.context["result"].correct and answered.context["item"].scope == "advanced"


@pytest.mark.django_db
def test_the_scope_toggle_and_the_form_field_read_in_hungarian(client, student, instructor, quiz_factory):
    student.language = "hu"
    student.save()
    client.force_login(student)
    page = client.get(reverse("quizzes:practice_topic", args=[GENERATOR])).content.decode()
    assert "A haladó formák bekapcsolása" in page and "Include the advanced forms" not in page
    instructor.language = "hu"
    instructor.save()
    client.force_login(instructor)
    form = client.get(reverse("quizzes:question_new", args=[quiz_factory().id])).content.decode()
    assert "Hatókör" in form and "Előadás: a dia képlete" in form
