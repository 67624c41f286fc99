"""Writes: quizzes and questions, games, seats, answers, and the moves of a live game.

Every broadcast to the clients is sent in ``transaction.on_commit``, so nobody hears of a move
that was rolled back. Moves are conditional UPDATEs on the game row (phase and question index as
the caller saw them), so two hosts, two processes or a timer racing the skip button cannot make
the same move twice.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from accounts.models import Course, Enrollment, User
from accounts.neptun import InvalidNeptunCode, neptun_normalize
from core.audit import grade_audit_record
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from lifecycle.services.archive import course_assert_writable
from quizzes.answers import answer_mistake
from quizzes.authoring import QuestionDraft, QuizDraft, draft_problems
from quizzes.game import GameRuleError, Move, Phase, Position, host_move, position_after
from quizzes.generators import AnswerFormatError, Variant, answer_check
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
from quizzes.scoring import (
    AnswerRejected,
    answer_points,
    choice_result,
    number_parse,
    picks_check,
    streak_after,
)
from quizzes.selectors import (
    SEAT_REQUEST_TTL,
    LiveQuestion,
    finished_payload,
    game_can_host,
    game_question,
    quiz_can_edit,
    results_payload,
    reveal_payload,
    scoreboard_payload,
)
from quizzes.selectors import question_payload as question_public_payload

MAX_TEXT_ANSWER = 200


def game_group(game_id: int) -> str:
    return f"game-{game_id}"


def host_group(game_id: int) -> str:
    return f"game-{game_id}-host"


def seat_group(player_id: int) -> str:
    return f"seat-{player_id}"


def seat_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _broadcast(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to a channel-layer group once the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, event)

    transaction.on_commit(send)


def _send(channel_name: str, event: dict[str, Any]) -> None:
    """Send ``event`` to one socket's channel once the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.send)(channel_name, event)

    transaction.on_commit(send)


# --- Authoring -----------------------------------------------------------------------------------


def quiz_edit_check(*, user: User, quiz: Quiz) -> None:
    if not quiz_can_edit(user=user, quiz=quiz):
        raise PermissionDeniedError("not_quiz_instructor")


def quiz_course_check(*, user: User, course: Course | None) -> None:
    from accounts.selectors import course_is_instructor

    if course is not None and not course_is_instructor(user=user, course=course):
        raise PermissionDeniedError("not_course_instructor", course=course.code)


def quiz_create(*, owner: User, title: str, course: Course | None, description: str = "") -> Quiz:
    quiz_course_check(user=owner, course=course)
    title = title.strip()
    if not title:
        raise PlatformError("quiz_title_missing")
    return Quiz.objects.create(owner=owner, title=title[:200], course=course, description=description)


def quiz_update(*, quiz: Quiz, user: User, title: str, course: Course | None, description: str) -> Quiz:
    quiz_edit_check(user=user, quiz=quiz)
    quiz_course_check(user=user, course=course)
    if not title.strip():
        raise PlatformError("quiz_title_missing")
    quiz.title, quiz.course, quiz.description = title.strip()[:200], course, description
    quiz.save()
    return quiz


def _question_fields(draft: QuestionDraft) -> dict[str, Any]:
    return {
        "kind": draft.kind,
        "text": draft.text,
        "choices": draft.choices if draft.kind != QuestionKind.NUMERIC else [],
        "answer_number": draft.answer_number if draft.kind == QuestionKind.NUMERIC else None,
        "tolerance": draft.tolerance if draft.kind == QuestionKind.NUMERIC else 0.0,
        "generator": draft.generator if draft.kind == QuestionKind.PARAMETRIC else "",
        "notation": draft.notation or "lecture",
        "scope": draft.scope or "lecture",
        "explanation": draft.explanation,
        "time_limit": draft.time_limit,
        "points": 0 if draft.kind == QuestionKind.POLL else draft.points,
    }


def question_save(
    *, quiz: Quiz, user: User, draft: QuestionDraft, question: Question | None = None
) -> Question:
    """Add a question at the end of the quiz, or change ``question``.

    Raises PlatformError listing every problem; nothing is written then.
    """
    quiz_edit_check(user=user, quiz=quiz)
    problems = draft_problems(draft)
    if problems:
        raise PlatformError("invalid_question", problems=" ".join(problems))
    fields = _question_fields(draft)
    if question is None:
        last = quiz.questions.aggregate(models.Max("position"))["position__max"]
        question = Question.objects.create(
            quiz=quiz, position=(last + 1) if last is not None else 0, **fields
        )
    else:
        for name, value in fields.items():
            setattr(question, name, value)
        question.save()
    quiz.save(update_fields=["updated_at"])
    return question


@transaction.atomic
def question_move(*, question: Question, user: User, offset: int) -> None:
    """Move a question up (−1) or down (+1) in its quiz."""
    quiz_edit_check(user=user, quiz=question.quiz)
    ordered = list(question.quiz.questions.order_by("position", "id"))
    at = ordered.index(question)
    to = min(max(at + offset, 0), len(ordered) - 1)
    ordered.insert(to, ordered.pop(at))
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


def question_delete(*, question: Question, user: User) -> None:
    quiz_edit_check(user=user, quiz=question.quiz)
    if question.answers.exists():
        raise PlatformError("question_answered")
    question.delete()


@transaction.atomic
def quiz_import(*, owner: User, course: Course | None, draft: QuizDraft, quiz: Quiz | None = None) -> Quiz:
    """Write a parsed quiz (all of it or, on any error, nothing); appends to ``quiz`` when given."""
    if quiz is None:
        quiz = quiz_create(owner=owner, title=draft.title, course=course, description=draft.description)
    for question in draft.questions:
        question_save(quiz=quiz, user=owner, draft=question)
    return quiz


def question_draft(question: Question) -> QuestionDraft:
    return QuestionDraft(
        kind=question.kind,
        text=question.text,
        choices=list(question.choices),
        answer_number=question.answer_number,
        tolerance=question.tolerance,
        generator=question.generator,
        notation=question.notation,
        scope=question.scope,
        explanation=question.explanation,
        time_limit=question.time_limit,
        points=question.points,
    )


# --- Games and seats -----------------------------------------------------------------------------


def game_host_check(*, user: User, game: Game) -> None:
    if not game_can_host(user=user, game=game):
        raise PermissionDeniedError("not_host")


def game_create(
    *,
    quiz: Quiz,
    host: User,
    course: Course | None = None,
    speed_scoring: bool = True,
    graded: bool = False,
    verified: bool | None = None,
) -> Game:
    """A game in the lobby with a fresh 6-digit PIN; its questions are the quiz's, in today's order.

    Practice unless ``graded``: only graded course games reach the gradebook. A graded game
    identifies its players by login (``verified``) unless the host says otherwise.
    """
    quiz_edit_check(user=host, quiz=quiz)
    quiz_course_check(user=host, course=course)
    if graded and course is None:
        raise GameRuleError("graded_without_course")
    if verified is None:
        verified = graded
    course_assert_writable(course=course)
    question_ids = list(quiz.questions.order_by("position", "id").values_list("id", flat=True))
    if not question_ids:
        raise GameRuleError("no_questions")
    for _ in range(50):
        pin = f"{secrets.randbelow(900_000) + 100_000}"
        try:
            with transaction.atomic():
                return Game.objects.create(
                    quiz=quiz,
                    host=host,
                    course=course,
                    pin=pin,
                    key=secrets.token_hex(16),
                    question_ids=question_ids,
                    speed_scoring=speed_scoring,
                    graded=graded,
                    verified=verified,
                )
        except IntegrityError:
            continue
    raise PlatformError("no_free_pin")


def _player_public(player: Player) -> dict[str, Any]:
    return {
        "id": player.id,
        "neptun_code": player.neptun_code,
        "name": player.display_name,
        "score": player.score,
        "takeovers": player.takeovers,
    }


@dataclass(frozen=True)
class Seat:
    """Where a join ended: in ``player``'s seat, or (``request`` set) waiting for the host."""

    player: Player
    taken_over: bool
    request: SeatRequest | None = None


MAX_PENDING_SEAT_REQUESTS = 30  # per game: a flood of requests must not bury the host's screen


def _seat_request_public(request: SeatRequest, player: Player) -> dict[str, Any]:
    return {
        "id": request.id,
        "player": _player_public(player),
        "logged_in_as": request.user.username if request.user else None,
        "created": request.created_at.timestamp(),
    }


def player_join(*, game: Game, neptun_code: object, user: User | None = None, channel_name: str = "") -> Seat:
    """Seat a player by Neptun code.

    A seat nobody holds is taken at once. A seat another device holds moves only to its logged-in
    owner (a new seat token; the old device is told) or, with ``channel_name`` (the asking socket),
    after the host approves a SeatRequest: the Seat then carries the pending request. The device
    that holds the seat token comes back with ``player_resume``. In a verified game the code comes
    from ``user``'s account; in a course game only enrolled codes are admitted. Raises
    PlatformError with a message for the student.
    """
    if game.phase == Phase.FINISHED:
        raise PlatformError("game_over")
    course_assert_writable(course=game.course)  # a game left running when the term was closed
    logged_in = user is not None and user.is_authenticated
    if game.verified:
        if user is None or not logged_in or not user.neptun_code:
            raise PermissionDeniedError("login_required")
        code = user.neptun_code
    else:
        try:
            code = neptun_normalize(neptun_code)
        except InvalidNeptunCode:
            typed = neptun_code.strip()[:20] if isinstance(neptun_code, str) else ""
            if typed:
                raise PlatformError("invalid_neptun", typed=typed) from None
            raise PlatformError("neptun_missing") from None
    owner = user if user is not None and logged_in and user.neptun_code == code else None
    account = owner
    if game.course_id is not None:
        enrollment = (
            Enrollment.objects.filter(course_id=game.course_id, user__neptun_code=code)
            .select_related("user", "course")
            .first()
        )
        if enrollment is None:
            course_code = Course.objects.filter(id=game.course_id).values_list("code", flat=True).first()
            raise PermissionDeniedError("not_enrolled", neptun=code, course=course_code or "")
        account = account or enrollment.user
    with transaction.atomic():
        existing = Player.objects.select_for_update().filter(game=game, neptun_code=code).first()
        if existing is not None:
            if existing.removed_at is not None:
                raise PermissionDeniedError("neptun_removed")
            if owner is None:
                request = _seat_request_create(
                    game=game, player=existing, channel_name=channel_name, user=user
                )
                return Seat(existing, False, request)
            _seat_move(game=game, player=existing)
            return Seat(existing, True)
        player = Player.objects.create(
            game=game,
            neptun_code=code,
            user=account,
            display_name=(account.display_name if account else code)[:200],
            seat_token=secrets.token_urlsafe(32),
            joined_at=timezone.now(),
        )
        _broadcast(
            host_group(game.id), {"type": "host.player", "event": "joined", "player": _player_public(player)}
        )
        return Seat(player, False)


def _seat_move(*, game: Game, player: Player) -> None:
    """Give the seat a new token (call inside a transaction, the row locked): the old device is out."""
    player.seat_token = secrets.token_urlsafe(32)
    player.takeovers += 1
    player.save(update_fields=["seat_token", "takeovers"])
    _broadcast(seat_group(player.id), {"type": "seat.taken", "seat": seat_digest(player.seat_token)})
    _broadcast(
        host_group(game.id), {"type": "host.player", "event": "takeover", "player": _player_public(player)}
    )


def _seat_request_create(*, game: Game, player: Player, channel_name: str, user: User | None) -> SeatRequest:
    if not channel_name:
        raise PermissionDeniedError("seat_held")
    now = timezone.now()
    pending = SeatRequest.objects.filter(
        game=game, status=SeatRequestStatus.PENDING, created_at__gte=now - SEAT_REQUEST_TTL
    )
    if pending.count() >= MAX_PENDING_SEAT_REQUESTS:
        raise PlatformError("too_many_requests")
    request = SeatRequest.objects.create(
        game=game,
        player=player,
        channel_name=channel_name[:200],
        user=user if user is not None and user.is_authenticated else None,
        created_at=now,
    )
    _seat_request_broadcast(game_id=game.id, event="asked", request=request, player=player)
    return request


def _seat_request_broadcast(*, game_id: int, event: str, request: SeatRequest, player: Player) -> None:
    _broadcast(
        host_group(game_id),
        {"type": "host.seat_request", "event": event, "request": _seat_request_public(request, player)},
    )


def seat_request_decide(*, game: Game, request_id: int, approve: bool, by: User) -> SeatRequest:
    """The host approves or denies a pending seat request; only the first decision counts.

    Approving moves the seat to the asking device (the device that held it is told and closed);
    the other requests for that seat are denied. Raises PlatformError (code "stale") when the
    request is no longer pending, and changes nothing then.
    """
    game_host_check(user=by, game=game)
    now = timezone.now()
    status = SeatRequestStatus.APPROVED if approve else SeatRequestStatus.DENIED
    with transaction.atomic():
        claimed = SeatRequest.objects.filter(
            id=request_id, game=game, status=SeatRequestStatus.PENDING, created_at__gte=now - SEAT_REQUEST_TTL
        ).update(status=status, decided_at=now, decided_by=by)
        if not claimed:
            raise PlatformError("request_not_waiting")
        request = SeatRequest.objects.select_related("user").get(id=request_id)
        player = Player.objects.select_for_update().get(id=request.player_id)
        denied = [request]
        if approve and player.removed_at is None:
            _seat_move(game=game, player=player)
            granted = {"type": "seat.granted", "request": request.id, "player": player.id}
            _send(request.channel_name, {**granted, "seat": player.seat_token})
            others = SeatRequest.objects.filter(player=player, status=SeatRequestStatus.PENDING)
            denied = list(others.exclude(id=request.id))
            SeatRequest.objects.filter(id__in=[r.id for r in denied]).update(
                status=SeatRequestStatus.DENIED, decided_at=now, decided_by=by
            )
            _seat_request_broadcast(game_id=game.id, event="approved", request=request, player=player)
        elif approve:
            request.status = SeatRequestStatus.DENIED  # removed meanwhile: nobody gets the seat
            request.save(update_fields=["status"])
        for refused in denied:
            _send(refused.channel_name, {"type": "seat.denied", "request": refused.id})
            _seat_request_broadcast(game_id=game.id, event="denied", request=refused, player=player)
        request.refresh_from_db()
        return request


def seat_request_cancel(*, request_id: int) -> None:
    """The asking device left: its request can no longer be approved (does nothing if decided)."""
    with transaction.atomic():
        if SeatRequest.objects.filter(id=request_id, status=SeatRequestStatus.PENDING).update(
            status=SeatRequestStatus.CANCELLED, decided_at=timezone.now()
        ):
            request = SeatRequest.objects.select_related("player").get(id=request_id)
            _seat_request_broadcast(
                game_id=request.game_id, event="cancelled", request=request, player=request.player
            )


def player_resume(*, game: Game, seat_token: object) -> Player:
    """The player holding ``seat_token``; raises PlatformError when the seat is no longer theirs."""
    if not isinstance(seat_token, str) or not 10 <= len(seat_token) <= 64:
        raise PlatformError("seat_invalid")
    player = Player.objects.filter(game=game, seat_token=seat_token).first()
    if player is None:
        raise PlatformError("seat_lost")
    if player.removed_at is not None:
        raise PermissionDeniedError("removed")
    return player


MAX_REMOVAL_REASON = 500


def player_remove(*, game: Game, player_id: int, by: User, reason: str = "") -> Player:
    """Remove a player (they cannot rejoin, and their points leave the results and the gradebook).

    Records who removed them, when and why; after the game has finished a reason is required, since
    the gradebook changes. Raises PlatformError and changes nothing otherwise.
    """
    game_host_check(user=by, game=game)
    if type(player_id) is not int:
        raise PlatformError("player_unspecified")
    reason = reason.strip()[:MAX_REMOVAL_REASON] if isinstance(reason, str) else ""
    course_assert_writable(course=game.course)
    with transaction.atomic():
        phase = Game.objects.filter(id=game.id).values_list("phase", flat=True).first()
        if phase == Phase.FINISHED and not reason:
            raise PlatformError("reason_required")
        updated = Player.objects.filter(game=game, id=player_id, removed_at__isnull=True).update(
            removed_at=timezone.now(), removed_by=by, removed_reason=reason
        )
        if not updated:
            raise NotFoundError("player_not_found")
        player = Player.objects.get(id=player_id)
        if game.course is not None:
            grade_audit_record(
                course=game.course,
                action="player_removed",
                subject=f"{game.quiz.title} (game {game.pk})",
                by=by if by is not None and by.is_authenticated else None,
                student=player.user,
                before={"neptun_code": player.neptun_code, "score": player.score},
                after={"removed": True, "reason": reason},
            )
        _broadcast(seat_group(player_id), {"type": "seat.removed"})
        _broadcast(
            host_group(game.id), {"type": "host.player", "event": "removed", "player": _player_public(player)}
        )
        return player


# --- Moves ---------------------------------------------------------------------------------------


def _question_open(*, game: Game, index: int, from_position: Position, now: datetime) -> bool:
    question = game_question(game=game, index=index)
    # "Get ready": the projector shows the question and a countdown, the phones their tiles only when
    # it opens; the clock (and the speed points) start then, and an earlier answer is refused.
    opened = now + timedelta(seconds=settings.QUIZ_GET_READY_S)
    deadline = opened + timedelta(seconds=question.time_limit)
    updates: dict[str, Any] = {
        "phase": Phase.QUESTION,
        "question_index": index,
        "question_opened_at": opened,
        "deadline": deadline,
    }
    if from_position.phase == Phase.LOBBY:
        updates["started_at"] = now
    updated = Game.objects.filter(
        id=game.id, phase=from_position.phase, question_index=from_position.index
    ).update(**updates)
    if not updated:
        return False
    game.refresh_from_db()
    payload = question_public_payload(game=game, question=question, index=index)
    _broadcast(
        game_group(game.id),
        {
            "type": "game.question",
            "index": index,
            "question_id": question.id,
            "deadline": deadline.timestamp(),
            "opened": opened.timestamp(),
            "question": json.dumps(payload),
            "parametric": question.kind == QuestionKind.PARAMETRIC,
            "generator": question.generator,
            "notation": question.notation or "lecture",
            "scope": question.scope,
        },
    )
    return True


def question_close(*, game_id: int, index: int) -> bool:
    """Close question ``index`` if it is still open: score it, update totals and streaks, broadcast
    the reveal. Returns False when someone else closed it first (nothing changes then)."""
    with transaction.atomic():
        if not Game.objects.filter(id=game_id, phase=Phase.QUESTION, question_index=index).update(
            phase=Phase.REVEAL
        ):
            return False
        game = Game.objects.get(id=game_id)
        question = game_question(game=game, index=index)
        counts = question.points > 0 and question.kind != QuestionKind.POLL
        answers = {
            player_id: (answer_id, correct, points)
            for answer_id, player_id, correct, points in Answer.objects.filter(
                game=game, question_index=index
            ).values_list("id", "player_id", "correct", "points")
        }
        players = Player.objects.filter(game=game, removed_at__isnull=True).values_list(
            "id", "streak", "score"
        )
        player_rows: list[tuple[int, int, int]] = []  # (streak, score, id) of the players that changed
        bonus_rows: list[tuple[int, int]] = []  # (bonus, answer id); an answer is written with bonus 0
        for player_id, streak, score in players:
            answer_id, correct, points = answers.get(player_id, (None, False, 0))
            new_streak, bonus = streak_after(streak=streak, correct=bool(correct), counts=counts)
            gained = points + bonus if answer_id is not None else 0
            if new_streak != streak or gained:
                player_rows.append((new_streak, score + gained, player_id))
            if answer_id is not None and bonus:
                bonus_rows.append((bonus, answer_id))
        # Plain UPDATEs by primary key: bulk_update's CASE over a lecture hall's 2,000 players costs
        # Django about a second of CPU on the one database thread, and every answer waits behind it.
        with connection.cursor() as cursor:
            if player_rows:
                cursor.executemany(
                    f"UPDATE {Player._meta.db_table} SET streak = %s, score = %s WHERE id = %s",  # noqa: S608
                    player_rows,
                )
            if bonus_rows:
                cursor.executemany(
                    f"UPDATE {Answer._meta.db_table} SET bonus = %s WHERE id = %s",  # noqa: S608
                    bonus_rows,
                )
        reveal = reveal_payload(game=game, question=question, index=index)
        results = results_payload(game=game, index=index)
        _broadcast(
            game_group(game_id),
            {
                "type": "game.reveal",
                "index": index,
                "reveal": json.dumps(reveal),
                "results": json.dumps(results),
            },
        )
        return True


def game_advance(*, game_id: int, from_phase: object, from_index: object) -> Phase:
    """The host's "advance" button, from the phase and question the host's screen showed.

    Raises GameRuleError (code "stale") when the game has moved on since, and changes nothing.
    """
    game = Game.objects.filter(id=game_id).first()
    if game is None:
        raise NotFoundError("game_not_found")
    if game.phase != from_phase or game.question_index != from_index:
        raise GameRuleError("stale")
    position = Position(Phase(game.phase), game.question_index)
    move = host_move(position.phase)
    if move == Move.CLOSE:
        question_close(game_id=game.id, index=game.question_index)
        return Phase.REVEAL
    target = position_after(position=position, move=move, question_count=game.question_count)
    with transaction.atomic():
        if target.phase == Phase.QUESTION:
            if not _question_open(game=game, index=target.index, from_position=position, now=timezone.now()):
                raise GameRuleError("stale")
        elif target.phase == Phase.SCOREBOARD:
            if not Game.objects.filter(
                id=game.id, phase=position.phase, question_index=position.index
            ).update(phase=Phase.SCOREBOARD):
                raise GameRuleError("stale")
            game.phase = Phase.SCOREBOARD
            _broadcast(
                game_group(game.id),
                {"type": "game.scoreboard", "scoreboard": json.dumps(scoreboard_payload(game=game))},
            )
        else:
            _game_finish(game=game, position=position)
    return target.phase


def _game_finish(*, game: Game, position: Position) -> None:
    if not Game.objects.filter(id=game.id, phase=position.phase, question_index=position.index).update(
        phase=Phase.FINISHED, finished_at=timezone.now()
    ):
        raise GameRuleError("stale")
    _broadcast(
        game_group(game.id), {"type": "game.finished", "finished": json.dumps(finished_payload(game=game))}
    )


def game_end(*, game_id: int) -> None:
    """End the game now (an open question is scored first). Ending a finished game does nothing."""
    game = Game.objects.get(id=game_id)
    if game.phase == Phase.FINISHED:
        return
    if game.phase == Phase.QUESTION:
        question_close(game_id=game_id, index=game.question_index)
        game.refresh_from_db()
    with transaction.atomic():
        position = Position(Phase(game.phase), game.question_index)
        position_after(position=position, move=Move.END, question_count=game.question_count)
        _game_finish(game=game, position=position)


@dataclass(frozen=True)
class Progress:
    phase: str
    index: int
    answered: int
    players: int
    closed: bool


def game_tick(*, game_id: int, now: datetime | None = None) -> Progress:
    """Close the open question when its time is up or every player has answered.

    Any process may call it any time (the host's timer, a player's late answer, a reconnect);
    the conditional UPDATE in question_close makes the close happen once.
    """
    now = now or timezone.now()
    game = Game.objects.filter(id=game_id).values("phase", "question_index", "deadline").first()
    if game is None:
        raise NotFoundError("game_not_found")
    players = Player.objects.filter(game_id=game_id, removed_at__isnull=True).count()
    answered = 0
    closed = False
    if game["phase"] == Phase.QUESTION:
        answered = Answer.objects.filter(game_id=game_id, question_index=game["question_index"]).count()
        if (game["deadline"] is not None and now >= game["deadline"]) or (
            players > 0 and answered >= players
        ):
            closed = question_close(game_id=game_id, index=game["question_index"])
    return Progress(game["phase"], game["question_index"], answered, players, closed)


# --- Answers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedAnswer:
    question_index: int
    response_ms: int
    correct: bool | None
    points: int


def answer_evaluate(
    *, live: LiveQuestion, variant: Variant | None, picks: object, text: object, response_s: float
) -> tuple[str, str, bool | None, int]:
    """(picks, text, correct, points) of an answer; raises AnswerRejected when it is unreadable."""
    share = 0.0
    correct: bool | None
    picks_text, typed = "", ""
    if live.kind == QuestionKind.NUMERIC:
        typed = text if isinstance(text, str) else ""
        value = number_parse(text)
        assert live.answer_number is not None
        correct = abs(value - live.answer_number) <= live.tolerance + 1e-9 * max(1.0, abs(live.answer_number))
        share = 1.0 if correct else 0.0
    elif live.kind == QuestionKind.PARAMETRIC:
        if not isinstance(text, str) or variant is None:
            raise AnswerRejected("answer_expected")
        typed = text
        try:
            correct = answer_check(variant=variant, text=text)
        except AnswerFormatError as error:
            raise AnswerRejected(error.code, **error.params) from None
        share = 1.0 if correct else 0.0
    else:
        chosen = picks_check(
            picks=picks, choice_count=live.choice_count, multiple=live.kind == QuestionKind.MULTIPLE
        )
        picks_text = ",".join(str(p) for p in chosen)
        if live.kind == QuestionKind.POLL:
            correct = None
        else:
            correct, share = choice_result(
                picks=chosen, correct=live.correct_picks, multiple=live.kind == QuestionKind.MULTIPLE
            )
    points = answer_points(
        points=live.points,
        share=share,
        response_s=response_s,
        time_limit_s=live.time_limit,
        speed_scoring=live.speed_scoring,
    )
    return picks_text, typed.strip()[:MAX_TEXT_ANSWER], correct, points


def answer_record(
    *,
    live: LiveQuestion,
    player_id: int,
    variant: Variant | None,
    picks: object = None,
    text: object = None,
    received_at: datetime,
) -> RecordedAnswer:
    """Record a player's first answer to the open question: one conditional INSERT.

    Raises AnswerRejected (code "too_late", "closed", "duplicate", or the reason it is unreadable);
    a rejected answer changes nothing.
    """
    if received_at > live.deadline:
        raise AnswerRejected("too_late")
    if received_at < live.opened_at:  # a hand-made frame during "get ready" must not win speed points
        raise AnswerRejected("not_open_yet")
    # From when the question opened for everyone: joining late must not buy a faster time.
    response_s = max((received_at - live.opened_at).total_seconds(), 0.0)
    picks_text, typed, correct, points = answer_evaluate(
        live=live, variant=variant, picks=picks, text=text, response_s=response_s
    )
    # Named here, where this player's variant is at hand, so the reveal only counts (one GROUP BY).
    mistake = ""
    if variant is not None and correct is False:
        mistake = answer_mistake(variant=variant, text=typed)[:120]
    answer_table = Answer._meta.db_table
    game_table = Game._meta.db_table
    player_table = Player._meta.db_table
    # INSERT … SELECT: the row is written only if the question is still open and the seat still
    # taken, in one statement (PostgreSQL also share-locks the game row, so a concurrent close waits
    # for this answer and scores it). The unique (player, question_index) makes a second answer fail.
    lock = " FOR SHARE OF g" if connection.vendor == "postgresql" else ""
    # Table names come from the models; every value is a parameter.
    sql = (
        f"INSERT INTO {answer_table} (game_id, player_id, question_id, question_index, picks, text, "  # noqa: S608
        "mistake, correct, points, bonus, response_ms, created_at) "
        f"SELECT g.id, p.id, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s FROM {game_table} g "
        f"JOIN {player_table} p ON p.game_id = g.id "
        "WHERE g.id = %s AND g.phase = %s AND g.question_index = %s AND p.id = %s AND p.removed_at IS NULL"
        f"{lock}"
    )
    response_ms = round(response_s * 1000)
    params: list[Any] = [
        live.question_id,
        live.index,
        picks_text,
        typed,
        mistake,
        correct,
        points,
        response_ms,
        connection.ops.adapt_datetimefield_value(received_at),
        live.game_id,
        Phase.QUESTION.value,
        live.index,
        player_id,
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = cursor.rowcount
    except IntegrityError:
        raise AnswerRejected("duplicate") from None
    if inserted != 1:
        raise AnswerRejected("closed")
    return RecordedAnswer(live.index, response_ms, correct, points)


def course_hall_save(*, course: Course, user: User, board_names: str) -> CourseHall:
    """Choose how the course's projector names the top 5. Only the course's instructors may.

    Raises PermissionDeniedError, or PlatformError (code "invalid") for an unknown choice; either
    changes nothing.
    """
    from accounts.selectors import course_is_instructor

    if not (user.is_superuser or course_is_instructor(user=user, course=course)):
        raise PermissionDeniedError("hall_not_instructor")
    if board_names not in BoardNames.values:
        raise PlatformError("board_names_invalid")
    hall, _ = CourseHall.objects.update_or_create(course=course, defaults={"board_names": board_names})
    return hall
