"""A live game and its seats: the game created, players joining by Neptun code, seat requests the host
decides, resuming a seat and removing a player."""

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.errors import neptun_code_error
from accounts.models import Course, Enrollment, User
from accounts.neptun import InvalidNeptunCode, neptun_normalize
from core.audit import grade_audit_record
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from lifecycle.services.archive import course_assert_writable
from quizzes.game import GameRuleError, Phase
from quizzes.models import (
    Game,
    Player,
    Quiz,
    SeatRequest,
    SeatRequestStatus,
)
from quizzes.selectors import (
    SEAT_REQUEST_TTL,
    game_can_host,
)
from quizzes.services.editing import quiz_course_check, quiz_edit_check
from quizzes.services.game_groups import _broadcast, _send, host_group, seat_digest, seat_group


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
            raise neptun_code_error(neptun_code) from None
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
        # The common case first: a new seat is one INSERT, and the unique (game, Neptun code) tells when
        # the seat is taken already (looking first cost every phone of a lecture hall one more query).
        try:
            with transaction.atomic():
                player = Player.objects.create(
                    game=game,
                    neptun_code=code,
                    user=account,
                    display_name=(account.display_name if account else code)[:200],
                    seat_token=secrets.token_urlsafe(32),
                    joined_at=timezone.now(),
                )
        except IntegrityError:
            existing = Player.objects.select_for_update().filter(game=game, neptun_code=code).first()
            if existing is None:  # not the Neptun code that clashed (a 256-bit seat token cannot)
                raise
        else:
            joined = {"type": "host.player", "event": "joined", "player": _player_public(player)}
            _broadcast(host_group(game.id), joined)
            return Seat(player, False)
        if existing.removed_at is not None:
            raise PermissionDeniedError("neptun_removed")
        if owner is None:
            request = _seat_request_create(game=game, player=existing, channel_name=channel_name, user=user)
            return Seat(existing, False, request)
        _seat_move(game=game, player=existing)
        return Seat(existing, True)


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
    resumed = players_resume(game=game, seat_tokens=[seat_token])[0]
    if isinstance(resumed, PlatformError):
        raise resumed
    return resumed


def players_resume(*, game: Game, seat_tokens: list[object]) -> list[Player | PlatformError]:
    """``player_resume`` for many phones at once (one query): for each token its player, or the
    PlatformError that says why the seat is no longer theirs."""
    valid = [t for t in seat_tokens if isinstance(t, str) and 10 <= len(t) <= 64]
    by_token = {p.seat_token: p for p in Player.objects.filter(game=game, seat_token__in=valid)}
    resumed: list[Player | PlatformError] = []
    for token in seat_tokens:
        if not isinstance(token, str) or not 10 <= len(token) <= 64:
            resumed.append(PlatformError("seat_invalid"))
        elif (player := by_token.get(token)) is None:
            resumed.append(PlatformError("seat_lost"))
        elif player.removed_at is not None:
            resumed.append(PermissionDeniedError("removed"))
        else:
            resumed.append(player)
    return resumed


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
