"""Reads: who may do what with a quiz, the live game's payloads for the clients, results and totals.

The payload builders return plain dicts that the services broadcast and the consumers send; the
WebSocket protocol (docs/websocket-protocol.md) documents their fields.
"""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet

from accounts.models import Course, Enrollment, Role, User
from accounts.selectors import course_is_instructor, course_is_staff
from quizzes.game import Phase
from quizzes.generators import Variant, seed_for_player, variant_generate
from quizzes.mathtext import text_to_html
from quizzes.models import (
    Answer,
    BoardNames,
    CourseHall,
    Game,
    Player,
    Question,
    QuestionKind,
    Quiz,
    SeatRequest,
    SeatRequestStatus,
)

SHAPES = [
    ("triangle", "▲", "red"),
    ("diamond", "◆", "blue"),
    ("circle", "●", "yellow"),
    ("square", "■", "green"),
    ("star", "★", "purple"),
    ("pentagon", "⬟", "teal"),
]
CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE, QuestionKind.POLL}
INPUT_KINDS = {QuestionKind.NUMERIC, QuestionKind.PARAMETRIC}


# --- Rights --------------------------------------------------------------------------------------


def quiz_can_edit(*, user: User, quiz: Quiz) -> bool:
    """Instructors of the quiz's course edit and host it; a quiz without a course, its owner."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if quiz.course is not None:
        return course_is_instructor(user=user, course=quiz.course)
    return quiz.owner_id == user.id


def game_can_host(*, user: User, game: Game) -> bool:
    """A course game: that course's instructors. A game without a course: its host and the quiz's editors.

    The game's course decides alone: a game of course B may be made from a quiz of course A, and A's
    instructors (or a host no longer teaching B) must not run it or read B's players and answers.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if game.course is not None:
        return course_is_instructor(user=user, course=game.course)
    return game.host_id == user.id or quiz_can_edit(user=user, quiz=game.quiz)


def game_can_see_results(*, user: User, game: Game) -> bool:
    """The host, the quiz's editors, and the course's instructors and graders."""
    if game_can_host(user=user, game=game):
        return True
    return game.course is not None and course_is_staff(user=user, course=game.course)


def quizzes_for_user(*, user: User) -> QuerySet[Quiz]:
    if user.is_superuser:
        return Quiz.objects.all()
    taught = Enrollment.objects.filter(user=user, role="instructor").values("course_id")
    return Quiz.objects.filter(course_id__in=taught) | Quiz.objects.filter(owner=user, course__isnull=True)


def game_by_pin(*, pin: str) -> Game | None:
    return Game.objects.exclude(phase=Phase.FINISHED).filter(pin=pin).select_related("quiz").first()


def game_questions(*, game: Game) -> list[Question]:
    """The game's questions in the order fixed when the game was created."""
    by_id = {q.id: q for q in Question.objects.filter(id__in=game.question_ids)}
    return [by_id[i] for i in game.question_ids if i in by_id]


def game_question(*, game: Game, index: int) -> Question:
    return Question.objects.get(id=game.question_ids[index])


# --- What the clients see ------------------------------------------------------------------------


def question_correct_picks(question: Question) -> list[int]:
    return [i for i, c in enumerate(question.choices) if c.get("correct")]


def question_payload(*, game: Game, question: Question, index: int) -> dict[str, Any]:
    """The question as every client sees it (a parametric question's prompt is per player)."""
    payload: dict[str, Any] = {
        "index": index,
        "count": game.question_count,
        "kind": question.kind,
        "text_html": text_to_html(question.text),
        "time_limit": question.time_limit,
        "points": question.points,
        "image": question.image.url if question.image else None,
        "multiple": question.kind == QuestionKind.MULTIPLE,
        "input": question.kind in INPUT_KINDS,
        "choices": [],
    }
    if question.kind in CHOICE_KINDS:
        payload["choices"] = [
            {
                "index": i,
                "text_html": text_to_html(c["text"]),
                "shape": SHAPES[i][0],
                "symbol": SHAPES[i][1],
                "colour": SHAPES[i][2],
            }
            for i, c in enumerate(question.choices)
        ]
    return payload


def player_variant(*, game: Game, question: Question, neptun_code: str) -> Variant:
    """This player's variant of a parametric question: the same one on every reload."""
    return variant_generate(
        generator=question.generator,
        seed=seed_for_player(game_key=game.key, question_key=str(question.id), neptun_code=neptun_code),
        notation=question.notation or "lecture",
        scope=question.scope,
    )


def variant_payload(variant: Variant) -> dict[str, Any]:
    return {"prompt_html": text_to_html(variant.prompt), "answer_kind": variant.answer_kind}


def reveal_payload(*, game: Game, question: Question, index: int) -> dict[str, Any]:
    """Correct answer, explanation and the answer distribution (bars on the host screen)."""
    answers = Answer.objects.filter(game=game, question_index=index)
    active = Player.objects.filter(game=game, removed_at__isnull=True).count()
    bars: list[dict[str, Any]] = []
    if question.kind in CHOICE_KINDS:
        counts: Counter[int] = Counter()
        for picks in answers.values_list("picks", flat=True):
            counts.update(int(p) for p in picks.split(",") if p)
        correct = set(question_correct_picks(question))
        bars = [
            {
                "label": c["text"],
                "symbol": SHAPES[i][1],
                "colour": SHAPES[i][2],
                "count": counts[i],
                "correct": i in correct,
            }
            for i, c in enumerate(question.choices)
        ]
    else:
        right = answers.filter(correct=True).count()
        total = answers.count()
        bars = [
            {"label": "Correct", "symbol": "✔", "colour": "green", "count": right, "correct": True},
            {"label": "Wrong", "symbol": "✘", "colour": "red", "count": total - right, "correct": False},
        ]
    answered = answers.count()
    bars.append(
        {
            "label": "No answer",
            "symbol": "–",
            "colour": "grey",
            "count": max(active - answered, 0),
            "correct": False,
        }
    )
    correct_text = ""
    if question.kind in CHOICE_KINDS and question.kind != QuestionKind.POLL:
        correct_text = ", ".join(question.choices[i]["text"] for i in question_correct_picks(question))
    elif question.kind == QuestionKind.NUMERIC:
        correct_text = f"{question.answer_number:g}" + (
            f" ± {question.tolerance:g}" if question.tolerance else ""
        )
    elif question.kind == QuestionKind.PARAMETRIC:
        correct_text = "Each player had their own variant."
    return {
        "parametric": parametric_reveal(game=game, question=question, index=index)
        if question.kind == QuestionKind.PARAMETRIC
        else None,
        "index": index,
        "kind": question.kind,
        "correct_picks": question_correct_picks(question) if question.kind != QuestionKind.POLL else [],
        "correct_html": text_to_html(correct_text),
        "explanation_html": text_to_html(question.explanation),
        "bars": bars,
        "answered": answered,
        "players": active,
    }


MISTAKES_SHOWN = 3


def parametric_reveal(*, game: Game, question: Question, index: int) -> dict[str, Any]:
    """What the projector shows after a parametric question: one worked example (the same for every
    screen of the game), the share correct and the most common named mistakes.

    Cheap at any hall size: the mistakes were named when the answers came in, so this is one
    GROUP BY; no player's variant is generated here.
    """
    answers = Answer.objects.filter(game=game, question_index=index)
    answered = answers.count()
    right = answers.filter(correct=True).count()
    mistakes = (
        answers.filter(correct=False)
        .exclude(mistake="")
        .values("mistake")
        .annotate(count=Count("id"))
        .order_by("-count", "mistake")[:MISTAKES_SHOWN]
    )
    example = variant_generate(
        generator=question.generator,
        seed=seed_for_player(game_key=game.key, question_key=f"{question.id}:example", neptun_code=""),
        notation=question.notation or "lecture",
        scope=question.scope,
    )
    return {
        "example": variant_reveal(example),
        "answered": answered,
        "correct": right,
        "percent_correct": round(100 * right / answered) if answered else 0,
        "mistakes": [{"mistake": row["mistake"], "count": row["count"]} for row in mistakes],
    }


def ranking(*, game: Game) -> list[dict[str, Any]]:
    """Active players by score (ties share a rank, ordered by Neptun code)."""
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in Player.objects.filter(game=game, removed_at__isnull=True)
        .order_by("-score", "neptun_code")
        .values("id", "neptun_code", "display_name", "score", "streak")
    ]
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    return rows


def results_payload(*, game: Game, index: int) -> dict[str, dict[str, Any]]:
    """Each player's result for question ``index``, keyed by player id (as a string)."""
    answers = {
        a["player_id"]: a
        for a in Answer.objects.filter(game=game, question_index=index).values(
            "player_id", "correct", "points", "bonus", "picks", "text"
        )
    }
    out: dict[str, dict[str, Any]] = {}
    for row in ranking(game=game):
        answer = answers.get(row["id"])
        out[str(row["id"])] = {
            "answered": answer is not None,
            "correct": answer["correct"] if answer else None,
            "points": (answer["points"] + answer["bonus"]) if answer else 0,
            "bonus": answer["bonus"] if answer else 0,
            "picks": _picks(answer["picks"]) if answer else [],
            "text": answer["text"] if answer else "",
            "total": row["score"],
            "rank": row["rank"],
            "streak": row["streak"],
        }
    return out


# --- The projector's boards: the top 5, named as the course chose ----------------------------------

BOARD_SIZE = 5


def board_label(*, neptun_code: str, display_name: str, names: str) -> str:
    """How one player is named on the projector: a masked Neptun code (``AB•••3``), or the display
    name when the course chose names (masked all the same when the player has none)."""
    if names == BoardNames.NAME and display_name and display_name != neptun_code:
        return display_name
    return neptun_code[:2] + "•••" + neptun_code[-1:]


def board_names_for(*, game: Game) -> str:
    """The course's choice of names on the projector (a game without a course: masked codes)."""
    if game.course_id is None:
        return BoardNames.MASKED
    chosen = CourseHall.objects.filter(course_id=game.course_id).values_list("board_names", flat=True).first()
    return chosen or BoardNames.MASKED


def board_rows(*, game: Game, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The top of the ranking as every screen and phone may see it: no Neptun code, no full name
    unless the course chose names; everyone else stays off the projector."""
    names = board_names_for(game=game)
    return [
        {
            "id": row["id"],
            "label": board_label(
                neptun_code=row["neptun_code"], display_name=row["display_name"], names=names
            ),
            "score": row["score"],
            "streak": row["streak"],
            "rank": row["rank"],
        }
        for row in rows[:BOARD_SIZE]
    ]


def _picks(text: str) -> list[int]:
    return [int(p) for p in text.split(",") if p]


def scoreboard_payload(*, game: Game) -> dict[str, Any]:
    rows = ranking(game=game)
    return {"index": game.question_index, "top": board_rows(game=game, rows=rows), "players": len(rows)}


def finished_payload(*, game: Game) -> dict[str, Any]:
    """The podium (top 5, named for the projector) and every player's rank without a name (each phone
    finds its own rank there). The staff results page is where names and codes are."""
    rows = ranking(game=game)
    return {
        "podium": board_rows(game=game, rows=rows),
        "ranking": [{"id": row["id"], "rank": row["rank"], "score": row["score"]} for row in rows],
        "players": len(rows),
    }


@lru_cache(maxsize=16)
def json_cached(text: str) -> Any:
    """Parse a broadcast's shared JSON once per process (every consumer gets the same string).

    The result is shared between consumers: read it, never change it.
    """
    return json.loads(text)


# --- Live question, as the answer path needs it ---------------------------------------------------


@dataclass(frozen=True)
class LiveQuestion:
    """What checking and scoring an answer needs, loaded once per question per process."""

    game_id: int
    game_key: str
    index: int
    question_id: int
    kind: str
    choice_count: int
    correct_picks: tuple[int, ...]
    answer_number: float | None
    tolerance: float
    generator: str
    notation: str
    scope: str
    points: int
    time_limit: int
    speed_scoring: bool
    opened_at: datetime
    deadline: datetime


def live_question(*, game: Game) -> LiveQuestion | None:
    """The open question of a game, or None outside the question phase."""
    if game.phase != Phase.QUESTION or game.question_opened_at is None or game.deadline is None:
        return None
    question = game_question(game=game, index=game.question_index)
    return LiveQuestion(
        game_id=game.id,
        game_key=game.key,
        index=game.question_index,
        question_id=question.id,
        kind=question.kind,
        choice_count=len(question.choices),
        correct_picks=tuple(question_correct_picks(question)),
        answer_number=question.answer_number,
        tolerance=question.tolerance,
        generator=question.generator,
        notation=question.notation or "lecture",
        scope=question.scope,
        points=question.points,
        time_limit=question.time_limit,
        speed_scoring=game.speed_scoring,
        opened_at=game.question_opened_at,
        deadline=game.deadline,
    )


# --- Results and the gradebook -------------------------------------------------------------------


def game_results_table(*, game: Game) -> tuple[list[Question], list[dict[str, Any]]]:
    """Questions, and one row per player (removed ones too, marked) with each answer and the total."""
    questions = game_questions(game=game)
    players = list(
        Player.objects.filter(game=game).select_related("removed_by").order_by("-score", "neptun_code")
    )
    answers: dict[tuple[int, int], Answer] = {
        (a.player_id, a.question_index): a for a in Answer.objects.filter(game=game)
    }
    rows = []
    for player in players:
        cells = []
        for index, question in enumerate(questions):
            answer = answers.get((player.id, index))
            shown = ""
            if answer is not None:
                if answer.text:
                    shown = answer.text
                elif answer.picks:
                    shown = ", ".join(
                        question.choices[int(p)]["text"] if int(p) < len(question.choices) else p
                        for p in answer.picks.split(",")
                    )
            cells.append({"answer": answer, "shown": shown})
        rows.append({"player": player, "cells": cells})
    return questions, rows


def games_for_gradebook(*, course: Course) -> QuerySet[Game]:
    """The course's games that are gradebook columns: finished, graded (never practice), and with at
    least one of the course's students seated, so a host's test run among staff never is one."""
    student_codes = Enrollment.objects.filter(course=course, role=Role.STUDENT).values("user__neptun_code")
    students_played = Player.objects.filter(
        game=OuterRef("pk"), removed_at__isnull=True, neptun_code__in=student_codes
    )
    finished = Game.objects.filter(course=course, phase=Phase.FINISHED, graded=True)
    return finished.filter(Exists(students_played))


# --- Snapshots: what a (re)connecting client is sent ----------------------------------------------


def player_result(*, game: Game, player: Player, index: int) -> dict[str, Any]:
    """One player's result for question ``index`` and standing now (for a reconnect)."""
    answer = Answer.objects.filter(player=player, question_index=index).first()
    higher = Player.objects.filter(game=game, removed_at__isnull=True, score__gt=player.score).count()
    return {
        "answered": answer is not None,
        "correct": answer.correct if answer else None,
        "points": (answer.points + answer.bonus) if answer else 0,
        "bonus": answer.bonus if answer else 0,
        "picks": _picks(answer.picks) if answer else [],
        "text": answer.text if answer else "",
        "total": player.score,
        "rank": higher + 1,
        "streak": player.streak,
    }


def game_info(*, game: Game) -> dict[str, Any]:
    return {
        "id": game.id,
        "pin": game.pin,
        "title": game.quiz.title,
        "phase": game.phase,
        "index": game.question_index,
        "count": game.question_count,
        "speed_scoring": game.speed_scoring,
        "verified": game.verified,
        "graded": game.graded,
        "course": game.course.code if game.course else None,
    }


def remaining_ms(deadline: datetime | None, now: datetime) -> int:
    if deadline is None:
        return 0
    return max(int((deadline - now).total_seconds() * 1000), 0)


def player_snapshot(
    *,
    game: Game,
    player: Player,
    now: datetime,
    answered: bool | None = None,
    question: Question | None = None,
) -> dict[str, Any]:
    """The frame that shows a (re)connecting phone where the game is, for this player. ``answered``
    (whether they answered the open question) and ``question`` (the game's current question), when the
    caller has them (seats taken in a batch: one query for all its phones, not one per phone)."""
    phase = game.phase
    if phase == Phase.LOBBY:
        return {"type": "lobby", "game": game_info(game=game)}
    if phase == Phase.FINISHED:
        rows = ranking(game=game)
        mine = next((r for r in rows if r["id"] == player.id), None)
        return {
            "type": "finished",
            "finished": {"podium": board_rows(game=game, rows=rows), "players": len(rows)},
            "you": {"rank": mine["rank"] if mine else None, "total": player.score},
        }
    question = question or game_question(game=game, index=game.question_index)
    if phase == Phase.QUESTION:
        frame: dict[str, Any] = {
            "type": "question",
            "remaining_ms": remaining_ms(game.deadline, now),
            "ready_ms": remaining_ms(game.question_opened_at, now),
            "answered": answered
            if answered is not None
            else Answer.objects.filter(player=player, question_index=game.question_index).exists(),
            "question": question_payload(game=game, question=question, index=game.question_index),
        }
        if question.kind == QuestionKind.PARAMETRIC:
            variant = player_variant(game=game, question=question, neptun_code=player.neptun_code)
            frame["variant"] = variant_payload(variant)
        return frame
    result = player_result(game=game, player=player, index=game.question_index)
    if phase == Phase.REVEAL:
        frame = {
            "type": "reveal",
            "reveal": reveal_payload(game=game, question=question, index=game.question_index),
            "you": result,
        }
        if question.kind == QuestionKind.PARAMETRIC:
            frame["variant"] = variant_reveal(
                player_variant(game=game, question=question, neptun_code=player.neptun_code)
            )
        return frame
    return {"type": "scoreboard", "scoreboard": scoreboard_payload(game=game), "you": result}


def variant_reveal(variant: Variant) -> dict[str, Any]:
    return {
        "prompt_html": text_to_html(variant.prompt),
        "answer": variant.answer,
        "explanation_html": text_to_html(variant.explanation),
    }


def host_snapshot(*, game: Game, now: datetime) -> dict[str, Any]:
    """Everything a (re)loaded host screen needs to resume the game."""
    players = [
        {"id": p.id, "neptun_code": p.neptun_code, "name": p.display_name, "score": p.score,
         "takeovers": p.takeovers}
        for p in Player.objects.filter(game=game, removed_at__isnull=True).order_by("joined_at")
    ]  # fmt: skip
    snapshot: dict[str, Any] = {
        "type": "state",
        "game": game_info(game=game),
        "players": players,
        "seat_requests": seat_requests_pending(game=game, now=now),
    }
    if game.phase in (Phase.QUESTION, Phase.REVEAL, Phase.SCOREBOARD):
        question = game_question(game=game, index=game.question_index)
        snapshot["question"] = question_payload(game=game, question=question, index=game.question_index)
        open_now = game.phase == Phase.QUESTION
        snapshot["remaining_ms"] = remaining_ms(game.deadline, now) if open_now else 0
        snapshot["ready_ms"] = remaining_ms(game.question_opened_at, now) if open_now else 0
        snapshot["answered"] = Answer.objects.filter(game=game, question_index=game.question_index).count()
        if game.phase == Phase.REVEAL:
            snapshot["reveal"] = reveal_payload(game=game, question=question, index=game.question_index)
        if game.phase == Phase.SCOREBOARD:
            snapshot["scoreboard"] = scoreboard_payload(game=game)
    if game.phase == Phase.FINISHED:
        snapshot["finished"] = finished_payload(game=game)
    return snapshot


SEAT_REQUEST_TTL = timedelta(minutes=10)  # an old request's phone has long gone: it cannot be approved


def seat_requests_pending(*, game: Game, now: datetime) -> list[dict[str, Any]]:
    """The seat requests waiting for the host (the same fields as the "seat_request" frame)."""
    since = now - SEAT_REQUEST_TTL
    out = []
    for request in (
        SeatRequest.objects.filter(game=game, status=SeatRequestStatus.PENDING, created_at__gte=since)
        .select_related("player", "user")
        .order_by("created_at")
    ):
        player = request.player
        out.append(
            {
                "id": request.id,
                "player": {"id": player.id, "neptun_code": player.neptun_code, "name": player.display_name,
                           "score": player.score, "takeovers": player.takeovers},
                "logged_in_as": request.user.username if request.user else None,
                "created": request.created_at.timestamp(),
            }
        )  # fmt: skip
    return out


@lru_cache(maxsize=8)
def finished_ranks(text: str) -> dict[int, dict[str, Any]]:
    """Player id → {rank, total} from a "game.finished" broadcast, computed once per process."""
    return {row["id"]: {"rank": row["rank"], "total": row["score"]} for row in json.loads(text)["ranking"]}
