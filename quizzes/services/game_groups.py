"""The channel-layer groups of a live game and the sends to them, made once the transaction commits."""

import hashlib
from typing import Any

from django.db import transaction

from core.channel_layers import group_send_from_sync, send_from_sync


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
    transaction.on_commit(lambda: group_send_from_sync(group, event))


def _send(channel_name: str, event: dict[str, Any]) -> None:
    """Send ``event`` to one socket's channel once the current transaction commits."""
    transaction.on_commit(lambda: send_from_sync(channel_name, event))
