"""Which games count: practice never reaches the gradebook, graded is a deliberate choice, a host's test
run among staff never becomes a column; removing a player after the game keeps who, when and why."""

import csv
import io
import re

import pytest
from django.urls import reverse

from core.errors import PlatformError
from gradebook.selectors import gradebook_for_course
from quizzes.game import GameRuleError
from quizzes.models import Game, Player
from quizzes.selectors import games_for_gradebook, live_question
from quizzes.services import (
    answer_record,
    game_advance,
    game_create,
    game_end,
    player_join,
    player_remove,
)

pytestmark = pytest.mark.services


def play(game: Game, *codes: str) -> Game:
    """Seat ``codes``, let each answer the first question right at once, and end the game."""
    players = [player_join(game=game, neptun_code=code).player for code in codes]
    game_advance(game_id=game.id, from_phase="lobby", from_index=-1)
    game.refresh_from_db()
    live = live_question(game=game)
    assert live is not None
    for player in players:
        answer_record(live=live, player_id=player.id, variant=None, picks=[0], received_at=live.opened_at)
    game_end(game_id=game.id)
    game.refresh_from_db()
    return game


def test_a_new_game_is_practice_unless_the_host_chooses_graded(quiz, instructor, course):
    practice = game_create(quiz=quiz, host=instructor, course=course)
    assert not practice.graded and not practice.verified
    graded = game_create(quiz=quiz, host=instructor, course=course, graded=True)
    assert graded.graded and graded.verified  # graded: players by login, unless the host says otherwise
    typed = game_create(quiz=quiz, host=instructor, course=course, graded=True, verified=False)
    assert typed.graded and not typed.verified
    with pytest.raises(GameRuleError) as error:
        game_create(quiz=quiz, host=instructor, graded=True)
    assert error.value.code == "graded_without_course"


def test_practice_games_and_staff_only_test_runs_never_reach_either_gradebook(
    quiz, instructor, course, student
):
    practice = play(game_create(quiz=quiz, host=instructor, course=course), "ABC123")
    staff_run = game_create(quiz=quiz, host=instructor, course=course, graded=True, verified=False)
    instructor.neptun_code = "INS001"
    instructor.save()
    staff_run = play(staff_run, "INS001")  # the host tries the game out alone
    graded = game_create(quiz=quiz, host=instructor, course=course, graded=True, verified=False)
    graded = play(graded, "ABC123")
    assert list(games_for_gradebook(course=course)) == [graded]
    book = gradebook_for_course(course=course)
    quiz_columns = [c.key for c in book.columns if c.key.startswith("quiz:")]
    assert quiz_columns == [f"quiz:{graded.pk}"]
    assert practice.pk and staff_run.pk  # both finished, both left out


def test_the_start_form_defaults_to_practice_and_graded_must_be_chosen(client, instructor, quiz, course):
    client.force_login(instructor)
    page = client.get(reverse("quizzes:quiz_edit", args=[quiz.id])).content.decode()
    practice_radio = re.search(r'<input type="radio" name="graded" value="practice"[^>]*>', page)
    graded_radio = re.search(r'<input type="radio" name="graded" value="graded"[^>]*>', page)
    assert practice_radio and "checked" in practice_radio.group() and graded_radio
    assert "checked" not in graded_radio.group()
    url = reverse("quizzes:game_start", args=[quiz.id])
    client.post(url, {"course": course.id, "speed_scoring": "on", "graded": "practice"})
    client.post(url, {"course": course.id, "graded": "graded", "verified": "on"})
    client.post(url, {"course": course.id})  # nothing chosen: practice
    assert list(Game.objects.order_by("id").values_list("graded", "verified")) == [
        (False, False),
        (True, True),
        (False, False),
    ]


def test_removing_a_player_after_the_game_needs_a_reason_and_records_who_when_why(
    client, quiz, instructor, course, student, other_student, grader_user
):
    game = play(game_create(quiz=quiz, host=instructor, course=course, graded=True, verified=False),
                "ABC123", "XYZ789")  # fmt: skip
    player = Player.objects.get(game=game, neptun_code="XYZ789")
    with pytest.raises(PlatformError) as silent:
        player_remove(game=game, player_id=player.id, by=instructor, reason="   ")
    assert silent.value.code == "reason_required"
    with pytest.raises(PlatformError) as grader_tries:
        player_remove(game=game, player_id=player.id, by=grader_user, reason="looks odd")
    assert grader_tries.value.code == "permission_denied"
    assert Player.objects.get(id=player.id).removed_at is None

    def gradebook_codes() -> list[str]:
        book = gradebook_for_course(course=course)
        key = f"quiz:{game.pk}"
        return sorted(row.neptun_code for row in book.rows if (cell := row.cell(key)) and not cell.missing)

    assert gradebook_codes() == ["ABC123", "XYZ789"]
    client.force_login(instructor)
    url = reverse("quizzes:game_player_remove", args=[game.id])
    response = client.post(url, {"player": player.id, "reason": ""})
    assert response.status_code == 400 and Player.objects.get(id=player.id).removed_at is None
    response = client.post(url, {"player": player.id, "reason": "Played from home for a friend"})
    assert response.status_code == 302
    removed = Player.objects.get(id=player.id)
    assert removed.removed_by == instructor and removed.removed_reason == "Played from home for a friend"
    assert removed.removed_at is not None
    assert gradebook_codes() == ["ABC123"]
    client.force_login(grader_user)  # graders see the record on the results page, without a remove button
    page = client.get(reverse("quizzes:game_results", args=[game.id])).content.decode()
    assert "Played from home for a friend" in page and f"by {instructor.username}" in page
    assert 'name="reason"' not in page
    client.force_login(instructor)
    exported = client.get(reverse("quizzes:game_results_export", args=[game.id, "csv"])).content.decode()
    rows = {row["neptun_code"]: row for row in csv.DictReader(io.StringIO(exported))}
    gone = rows["XYZ789"]
    assert gone["removed"] == "yes" and gone["removed_by"] == instructor.username and gone["removed_at"]
    assert gone["removed_reason"] == "Played from home for a friend"
    assert rows["ABC123"]["removed"] == ""
    client.force_login(grader_user)
    other = Player.objects.get(neptun_code="ABC123")
    assert client.post(url, {"player": other.id, "reason": "x"}).status_code == 400
    assert Player.objects.get(id=other.id).removed_at is None
