"""The channel-layer groups of a live game and the sends to them, made once the transaction commits."""

import hashlib
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


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
