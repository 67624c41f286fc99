"""The lecture hall: "get ready" before each question, the projector's privacy, the parametric reveal."""

import json
from collections import Counter
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import enrollment_set
from core.errors import PermissionDeniedError, PlatformError
from quizzes.answers import answer_mistake
from quizzes.generators import variant_generate
from quizzes.models import BoardNames, CourseHall, Game
from quizzes.scoring import AnswerRejected
from quizzes.selectors import (
    board_label,
    finished_payload,
    host_snapshot,
    live_question,
    player_snapshot,
    player_variant,
    reveal_payload,
    scoreboard_payload,
)
from quizzes.services import (
    answer_record,
    course_hall_save,
    game_advance,
    game_end,
    player_join,
    question_close,
)
from tests.factories import StudentFactory
from tests.quizzes.conftest import PARAMETRIC, SINGLE

pytestmark = pytest.mark.services


def advance(game: Game) -> None:
    game.refresh_from_db()
    game_advance(game_id=game.id, from_phase=game.phase, from_index=game.question_index)
    game.refresh_from_db()


def test_get_ready_delays_the_clock_and_refuses_an_answer_before_the_question_opens(game, student, settings):
    settings.QUIZ_GET_READY_S = 3
    player = player_join(game=game, neptun_code="ABC123").player
    before = timezone.now()
    advance(game)
    live = live_question(game=game)
    assert live is not None
    assert timedelta(seconds=2.9) < live.opened_at - before < timedelta(seconds=3.5)
    assert live.deadline - live.opened_at == timedelta(seconds=game.quiz.questions.first().time_limit)
    # What a reconnecting phone and the projector are told: the countdown still to go.
    assert 2000 < player_snapshot(game=game, player=player, now=before)["ready_ms"] <= 3500
    assert 2000 < host_snapshot(game=game, now=before)["ready_ms"] <= 3500
    with pytest.raises(AnswerRejected) as early:
        answer_record(live=live, player_id=player.id, variant=None, picks=[0],
                      received_at=live.opened_at - timedelta(seconds=0.5))  # fmt: skip
    assert early.value.code == "not_open_yet"
    assert not game.answers.exists()
    # Opened: the speed points count from the opening, not from the host's click.
    recorded = answer_record(live=live, player_id=player.id, variant=None, picks=[0],
                             received_at=live.opened_at + timedelta(seconds=0.1))  # fmt: skip
    assert recorded.points == 1000 and recorded.response_ms == 100


# --- Privacy on the projector ---------------------------------------------------------------------


def test_board_label_masks_the_code_unless_the_course_chose_names():
    assert board_label(neptun_code="ABC123", display_name="Kiss Anna", names=BoardNames.MASKED) == "AB•••3"
    assert board_label(neptun_code="ABC123", display_name="Kiss Anna", names=BoardNames.NAME) == "Kiss Anna"
    # No name on record (a typed code in a course-less game): masked all the same.
    assert board_label(neptun_code="ABC123", display_name="ABC123", names=BoardNames.NAME) == "AB•••3"
    assert board_label(neptun_code="ABC123", display_name="", names=BoardNames.NAME) == "AB•••3"


def seven_players(game, course):
    players = []
    for n in range(7):
        user = StudentFactory(neptun_code=f"HAL{n:03d}", username=f"HAL{n:03d}", full_name=f"Student {n}")
        enrollment_set(course=course, user=user, role=Role.STUDENT)
        players.append(player_join(game=game, neptun_code=user.neptun_code).player)
    return players


def test_boards_carry_the_top_5_only_and_no_neptun_code_or_name(game, course):
    players = seven_players(game, course)
    advance(game)
    live = live_question(game=game)
    for n, player in enumerate(players):  # everyone right, the earlier the more points: HAL000 first
        answer_record(live=live, player_id=player.id, variant=None, picks=[0],
                      received_at=live.opened_at + timedelta(seconds=1 + n))  # fmt: skip
    question_close(game_id=game.id, index=0)
    board = scoreboard_payload(game=game)
    assert [row["label"] for row in board["top"]] == ["HA•••0", "HA•••1", "HA•••2", "HA•••3", "HA•••4"]
    assert board["players"] == 7
    game_end(game_id=game.id)
    finished = finished_payload(game=game)
    assert len(finished["podium"]) == 5 and len(finished["ranking"]) == 7
    text = json.dumps([board, finished])
    assert "HAL0" not in text and "Student" not in text  # no code, no name, of anybody, in any frame
    player = players[6]
    snapshot = json.dumps(player_snapshot(game=game, player=player, now=timezone.now()))
    assert "HAL000" not in snapshot


def test_a_course_that_chose_names_shows_display_names_on_the_boards(game, course, instructor):
    course_hall_save(course=course, user=instructor, board_names=BoardNames.NAME)
    seven_players(game, course)
    game_end(game_id=game.id)
    labels = [row["label"] for row in finished_payload(game=game)["podium"]]
    assert labels == ["Student 0", "Student 1", "Student 2", "Student 3", "Student 4"]


def test_only_the_courses_instructors_choose_the_projector_names(course, instructor, student, client):
    with pytest.raises(PermissionDeniedError):
        course_hall_save(course=course, user=student, board_names=BoardNames.NAME)
    with pytest.raises(PlatformError) as bad:
        course_hall_save(course=course, user=instructor, board_names="everything")
    assert bad.value.code == "board_names_invalid" and not CourseHall.objects.exists()
    url = reverse("quizzes:course_hall", args=[course.code])
    client.force_login(student)
    assert client.post(url, {"board_names": "name"}).status_code == 403
    assert not CourseHall.objects.exists()
    client.force_login(instructor)
    assert client.get(url).status_code == 200
    assert client.post(url, {"board_names": "name"}).status_code == 302
    assert CourseHall.objects.get(course=course).board_names == "name"
    response = client.post(url, {"board_names": "<script>"})
    assert response.status_code == 200 and CourseHall.objects.get(course=course).board_names == "name"


# --- The reveal of a parametric question ---------------------------------------------------------


def test_answer_mistake_names_the_distractor_a_wrong_answer_matches():
    variant = variant_generate(generator="conv2d_parameters", seed=7, notation="lecture")
    distractor = variant.distractors[0]
    assert answer_mistake(variant=variant, text=distractor.text) == distractor.mistake
    assert answer_mistake(variant=variant, text=variant.answer) == ""
    assert answer_mistake(variant=variant, text="not a number at all") == ""
    assert answer_mistake(variant=variant, text="1" * 5000) == ""


def test_parametric_reveal_shows_an_example_the_share_correct_and_the_common_mistakes(
    quiz_factory, instructor, course
):
    from quizzes.services import game_create

    game = game_create(quiz=quiz_factory(PARAMETRIC, SINGLE), host=instructor, course=course)
    players = seven_players(game, course)
    advance(game)
    live = live_question(game=game)
    question = game.quiz.questions.get(id=live.question_id)
    expected: Counter[str] = Counter()
    for n, player in enumerate(players):
        variant = player_variant(game=game, question=question, neptun_code=player.neptun_code)
        # two right, three make their variant's first mistake, one its second, one writes nonsense
        text = {0: variant.answer, 1: variant.answer, 5: variant.distractors[1].text, 6: "7"}.get(
            n, variant.distractors[0].text
        )
        if n >= 2:
            expected[answer_mistake(variant=variant, text=text)] += 1
        answer_record(live=live, player_id=player.id, variant=variant, text=text,
                      received_at=live.opened_at + timedelta(seconds=1))  # fmt: skip
    question_close(game_id=game.id, index=0)
    reveal = reveal_payload(game=game, question=question, index=0)
    parametric = reveal["parametric"]
    assert parametric["answered"] == 7 and parametric["correct"] == 2 and parametric["percent_correct"] == 29
    expected.pop("", None)
    assert sum(expected.values()) >= 4  # the distractors are named mistakes
    top = sorted(expected.items(), key=lambda item: (-item[1], item[0]))[:3]
    assert [(m["mistake"], m["count"]) for m in parametric["mistakes"]] == top
    example = parametric["example"]
    assert example["answer"] and example["prompt_html"] and example["explanation_html"]
    # The same example on every screen and reconnect; no player's variant work at the reveal.
    assert reveal_payload(game=game, question=question, index=0)["parametric"]["example"] == example


def test_a_choice_question_reveal_has_no_parametric_part(game):
    advance(game)
    question_close(game_id=game.id, index=0)
    question = game.quiz.questions.get(id=game.question_ids[0])
    assert reveal_payload(game=game, question=question, index=0)["parametric"] is None


def test_lenet5_pools_by_max_as_the_slide_and_the_reference_model_do():
    from quizzes.generators.networks import network_lenet5

    modules = [layer.module for layer in network_lenet5().layers]
    pools = [m for m in modules if "Pool" in m]
    assert len(pools) == 2 and all("MaxPool2d" in m for m in pools)
    assert network_lenet5().total() == 61706


def test_every_named_mistake_of_every_generator_is_in_hungarian_on_the_projector_and_the_pages():
    """The reveal (JavaScript catalogue) and the practice pages (Django's) show the generators' mistake
    names in the reader's language: a new mistake name without its Hungarian entry fails here."""
    from pathlib import Path

    import polib

    from quizzes.generators import generator_names

    locale = Path(__file__).resolve().parents[2] / "platform" / "locale" / "hu" / "LC_MESSAGES"
    catalogues = [
        {e.msgid: e.msgstr for e in polib.pofile(str(locale / f"{name}.po")) if e.msgstr}
        for name in ("django", "djangojs")
    ]
    mistakes = {
        d.mistake
        for generator in generator_names()
        for seed in range(150)
        for d in variant_generate(generator=generator, seed=seed, notation="lecture").distractors
    }
    assert len(mistakes) > 40
    for catalogue in catalogues:
        assert sorted(m for m in mistakes if m not in catalogue) == []
