"""The live game's services on the database: seats, answers, closing, streaks, moves, reconnects."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import PlatformError
from quizzes.game import GameRuleError, Phase
from quizzes.models import Answer, Game, Player
from quizzes.scoring import AnswerRejected
from quizzes.selectors import live_question, player_variant, results_payload
from quizzes.services import (
    answer_record,
    game_advance,
    game_create,
    game_end,
    game_tick,
    player_join,
    player_remove,
    player_resume,
    question_close,
)
from tests.factories import StudentFactory
from tests.quizzes.conftest import MULTIPLE, NUMERIC, POLL, SINGLE

pytestmark = pytest.mark.services


def advance(game: Game) -> Phase:
    game.refresh_from_db()
    phase = game_advance(game_id=game.id, from_phase=game.phase, from_index=game.question_index)
    game.refresh_from_db()
    return phase


def answer(game, player, *, after: float = 1.0, **kwargs):
    game.refresh_from_db()
    live = live_question(game=game)
    assert live is not None
    variant = None
    if live.kind == "parametric":
        variant = player_variant(
            game=game, question=game.quiz.questions.get(id=live.question_id), neptun_code=player.neptun_code
        )
    return answer_record(
        live=live,
        player_id=player.id,
        variant=variant,
        received_at=live.opened_at + timedelta(seconds=after),
        **kwargs,
    )


def test_join_validates_neptun_code_and_enrollment(game, student):
    with pytest.raises(PlatformError, match="not a Neptun code"):
        player_join(game=game, neptun_code="AB12")
    StudentFactory(neptun_code="OUT999", username="OUT999")
    with pytest.raises(PlatformError, match="OUT999 is not enrolled in VITMMA19"):
        player_join(game=game, neptun_code="out999")
    seat = player_join(game=game, neptun_code=" abc123 ")
    assert seat.player.neptun_code == "ABC123" and not seat.taken_over
    assert seat.player.display_name == student.display_name
    assert Player.objects.filter(game=game).count() == 1


def test_the_logged_in_owner_takes_their_seat_back_from_another_device(game, student):
    first = player_join(game=game, neptun_code="ABC123").player
    second = player_join(game=game, neptun_code="abc123", user=student)
    assert second.taken_over and second.player.id == first.id and second.request is None
    assert second.player.seat_token != first.seat_token
    assert Player.objects.filter(game=game).count() == 1
    with pytest.raises(PlatformError, match="moved to another device") as lost:
        player_resume(game=game, seat_token=first.seat_token)
    assert lost.value.code == "seat_lost"
    assert player_resume(game=game, seat_token=second.player.seat_token).id == first.id


def test_a_typed_code_alone_never_takes_a_held_seat(game, student, other_student):
    first = player_join(game=game, neptun_code="ABC123").player
    for user in (None, other_student):  # anonymous, or logged in as somebody else
        with pytest.raises(PlatformError) as held:
            player_join(game=game, neptun_code="ABC123", user=user)
        assert held.value.code == "seat_held"
    assert Player.objects.get(id=first.id).seat_token == first.seat_token


def test_game_without_course_admits_any_valid_code_and_verified_game_needs_login(quiz, instructor, student):
    open_game = game_create(quiz=quiz, host=instructor)
    assert player_join(game=open_game, neptun_code="ZZZ999").player.display_name == "ZZZ999"
    verified = game_create(quiz=quiz, host=instructor, verified=True)
    with pytest.raises(PlatformError, match="log in"):
        player_join(game=verified, neptun_code="ABC123")
    seat = player_join(game=verified, neptun_code="IGNORED", user=student)
    assert seat.player.neptun_code == "ABC123" and seat.player.user == student


def test_student_cannot_create_a_game(quiz, student):
    with pytest.raises(PlatformError, match="instructors"):
        game_create(quiz=quiz, host=student)


def test_first_answer_counts_and_is_scored_by_speed(game, student):
    player = player_join(game=game, neptun_code="ABC123").player
    advance(game)
    recorded = answer(game, player, picks=[0], after=10)
    assert recorded.correct and recorded.points == 750
    with pytest.raises(AnswerRejected) as error:
        answer(game, player, picks=[1], after=11)
    assert error.value.code == "duplicate"
    assert Answer.objects.get(player=player).picks == "0"


def test_late_answer_and_answer_after_close_are_rejected_and_change_nothing(game, student, other_student):
    a = player_join(game=game, neptun_code="ABC123").player
    b = player_join(game=game, neptun_code="XYZ789").player
    advance(game)
    with pytest.raises(AnswerRejected) as late:
        answer(game, a, picks=[0], after=21)
    assert late.value.code == "too_late"
    live = live_question(game=game)
    assert question_close(game_id=game.id, index=0)
    with pytest.raises(AnswerRejected) as closed:
        answer_record(
            live=live,
            player_id=b.id,
            variant=None,
            picks=[0],
            received_at=live.opened_at + timedelta(seconds=2),
        )
    assert closed.value.code == "closed"
    assert not Answer.objects.exists()
    assert not question_close(game_id=game.id, index=0)  # closing twice does nothing


def test_unreadable_answers_are_not_recorded(game, student):
    player = player_join(game=game, neptun_code="ABC123").player
    advance(game)
    for bad in ([9], "0", [0, 1], None):
        with pytest.raises(AnswerRejected):
            answer(game, player, picks=bad)
    assert not Answer.objects.exists()


def test_removed_player_cannot_answer_or_rejoin(game, student, instructor):
    player = player_join(game=game, neptun_code="ABC123").player
    player_remove(game=game, player_id=player.id, by=instructor)
    with pytest.raises(PlatformError, match="removed"):
        player_join(game=game, neptun_code="ABC123")
    with pytest.raises(PlatformError, match="removed"):
        player_resume(game=game, seat_token=player.seat_token)
    advance(game)
    with pytest.raises(AnswerRejected):
        answer(game, player, picks=[0])


def test_three_questions_streaks_totals_ranks_and_finish(
    quiz_factory, instructor, course, student, other_student
):
    quiz = quiz_factory(SINGLE, MULTIPLE, POLL, NUMERIC)
    game = game_create(quiz=quiz, host=instructor, course=course, speed_scoring=False)
    a = player_join(game=game, neptun_code="ABC123").player
    b = player_join(game=game, neptun_code="XYZ789").player
    advance(game)  # Q1 single
    answer(game, a, picks=[0])
    answer(game, b, picks=[1])
    assert advance(game) == Phase.REVEAL
    results = results_payload(game=game, index=0)
    assert results[str(a.id)] == {
        "answered": True,
        "correct": True,
        "points": 1000,
        "bonus": 0,
        "picks": [0],  # the player's own answer, for the phone's reveal
        "text": "",
        "total": 1000,
        "rank": 1,
        "streak": 1,
    }
    assert results[str(b.id)]["rank"] == 2 and results[str(b.id)]["correct"] is False
    assert results[str(b.id)]["picks"] == [1]
    advance(game)  # scoreboard
    advance(game)  # Q2 multiple
    answer(game, a, picks=[0, 2])
    answer(game, b, picks=[0])  # half
    advance(game)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.score, a.streak) == (1000 + 1000 + 100, 2)  # streak bonus of the second in a row
    assert (b.score, b.streak) == (500, 0)
    advance(game)
    advance(game)  # Q3 poll: no points, streak kept
    answer(game, a, picks=[2])
    advance(game)
    a.refresh_from_db()
    assert (a.score, a.streak) == (2100, 2)
    advance(game)
    advance(game)  # Q4 numeric; b does not answer
    answer(game, a, text="28,0")
    assert game_tick(game_id=game.id).closed is False  # b has not answered, time not up
    advance(game)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.score == 2100 + 1000 + 200 and b.streak == 0
    advance(game)
    assert advance(game) == Phase.FINISHED
    assert game.finished_at is not None


def test_stale_advance_changes_nothing(game, student):
    advance(game)
    with pytest.raises(GameRuleError) as error:
        game_advance(game_id=game.id, from_phase="lobby", from_index=-1)
    assert error.value.code == "stale"
    game.refresh_from_db()
    assert (game.phase, game.question_index) == ("question", 0)


def test_tick_closes_when_everyone_answered_or_time_is_up(game, student, other_student):
    a = player_join(game=game, neptun_code="ABC123").player
    b = player_join(game=game, neptun_code="XYZ789").player
    advance(game)
    answer(game, a, picks=[0])
    progress = game_tick(game_id=game.id)
    assert (progress.answered, progress.players, progress.closed) == (1, 2, False)
    answer(game, b, picks=[0])
    assert game_tick(game_id=game.id).closed
    game.refresh_from_db()
    assert game.phase == "reveal"
    advance(game)
    advance(game)  # Q2 open
    assert not game_tick(game_id=game.id).closed
    assert game_tick(game_id=game.id, now=timezone.now() + timedelta(seconds=21)).closed


def test_a_late_joiner_is_timed_from_when_the_question_opened_not_from_joining(game, student):
    advance(game)
    game.refresh_from_db()
    live = live_question(game=game)
    assert live is not None
    player = player_join(game=game, neptun_code="ABC123").player
    Player.objects.filter(id=player.id).update(joined_at=live.opened_at + timedelta(seconds=10))
    recorded = answer_record(
        live=live,
        player_id=player.id,
        variant=None,
        picks=[0],
        received_at=live.opened_at + timedelta(seconds=10.2),  # 0.2 s after joining
    )
    assert recorded.response_ms == 10_200 and recorded.points == 745  # 1000 × (1 − 10.2 / 20 / 2)


def test_parametric_answer_is_checked_against_the_players_own_variant(game, student, other_student):
    a = player_join(game=game, neptun_code="ABC123").player
    b = player_join(game=game, neptun_code="XYZ789").player
    for _ in range(7):  # to question 3 (parametric)
        advance(game)
    assert game.question_index == 2 and game.phase == "question"
    question = game.quiz.questions.get(id=game.question_ids[2])
    va = player_variant(game=game, question=question, neptun_code="ABC123")
    vb = player_variant(game=game, question=question, neptun_code="XYZ789")
    assert va == player_variant(game=game, question=question, neptun_code="abc123")  # stable on reload
    with pytest.raises(AnswerRejected):
        answer(game, a, text="no idea")
    assert answer(game, a, text=va.answer).correct
    if vb.answer != va.answer:
        assert answer(game, b, text=va.answer).correct is False


def test_end_scores_the_open_question_and_finishes(game, student):
    a = player_join(game=game, neptun_code="ABC123").player
    advance(game)
    answer(game, a, picks=[0], after=0.1)
    game_end(game_id=game.id)
    game.refresh_from_db()
    a.refresh_from_db()
    assert game.phase == "finished" and a.score == 1000
    game_end(game_id=game.id)  # again: nothing
