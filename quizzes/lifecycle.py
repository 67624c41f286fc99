"""The quizzes' part of a term's life (lifecycle.registry): copy the quizzes, export a person's answers,
pseudonymise the players after the retention period."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.db.models import Q

from accounts.models import Course, User
from lifecycle.registry import Erasure, TermProvider
from quizzes.models import Answer, Game, Player, Question, Quiz


def _stranger_pseudonym(player: Player) -> str:
    """A seat whose code is no student's of the course: '~' and the seat's number (never a Neptun code)."""
    digits, number = "", player.pk
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest] + digits
    return "~" + digits.rjust(5, "0")[-5:]


def quizzes_copy(*, source: Course, target: Course, offset: timedelta) -> list[str]:
    """Quizzes and their questions (an image is shared: stored files are never changed); no games."""
    lines = []
    for quiz in Quiz.objects.filter(course=source).order_by("pk"):
        questions = list(quiz.questions.order_by("position", "pk"))
        copy = Quiz.objects.create(
            title=quiz.title, description=quiz.description, course=target, owner=quiz.owner
        )
        for question in questions:
            question.pk = None
            question.quiz = copy
        Question.objects.bulk_create(questions)
        lines.append(f"Quiz “{quiz.title}” with {len(questions)} questions")
    return lines


def _players_of(user: User):  # noqa: ANN202
    mine = Q(user=user)
    if user.neptun_code:
        # Unverified games take the typed Neptun code; it is this person's seat too.
        mine |= Q(user__isnull=True, neptun_code=user.neptun_code)
    return Player.objects.filter(mine).select_related("game", "game__quiz", "game__course")


def quizzes_personal_export(*, user: User) -> list[tuple[str, bytes | Path]]:
    players = list(_players_of(user).order_by("joined_at", "pk"))
    answers = Answer.objects.filter(player__in=players).select_related("question").order_by("pk")
    by_player: dict[int, list[dict]] = {}
    for answer in answers:
        by_player.setdefault(answer.player_id, []).append(
            {
                "question": answer.question_index + 1,
                "question_text": answer.question.text,
                "picks": answer.picks,
                "text": answer.text,
                "correct": answer.correct,
                "points": answer.points,
                "bonus": answer.bonus,
                "response_ms": answer.response_ms,
                "answered_at": answer.created_at.isoformat(),
            }
        )
    games = [
        {
            "game": p.game_id,
            "quiz": p.game.quiz.title,
            "course": p.game.course.code if p.game.course else None,
            "neptun_code": p.neptun_code,
            "display_name": p.display_name,
            "score": p.score,
            "joined_at": p.joined_at.isoformat(),
            "removed_at": p.removed_at.isoformat() if p.removed_at else None,
            "answers": by_player.get(p.pk, []),
        }
        for p in players
    ]
    return [("quizzes/games.json", json.dumps(games, indent=2, ensure_ascii=False).encode())]


def quizzes_erase(*, course: Course, pseudonyms: dict[str, str]) -> Erasure:
    """Seats in the course's games take the student's pseudonym (the gradebook joins seats to people by
    code, so every total stays); scores and answers (the statistics) stay."""
    erasure = Erasure()
    players = list(Player.objects.filter(game__course=course).exclude(neptun_code__regex=r"^[#~]"))
    for player in players:
        player.neptun_code = pseudonyms.get(player.neptun_code) or _stranger_pseudonym(player)
        player.display_name = ""
        player.seat_token = f"erased-{player.pk}"
    Player.objects.bulk_update(players, ["neptun_code", "display_name", "seat_token"], batch_size=500)
    games = Game.objects.filter(course=course).count()
    erasure.lines.append(f"{len(players)} players in {games} games: Neptun codes and names replaced")
    return erasure


PROVIDER = TermProvider(
    name="quizzes",
    copy=quizzes_copy,
    personal_export=quizzes_personal_export,
    erase=quizzes_erase,
    order=10,
)
