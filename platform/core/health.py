"""Health checks of the parts a request depends on: database, broker, channel layer."""

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection


def _check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _check_broker() -> dict[str, Any]:
    from config.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return {
            "transport": conn.transport_cls
            if isinstance(conn.transport_cls, str)
            else str(conn.transport_cls)
        }


def _check_channel_layer() -> dict[str, Any]:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")

    async def round_trip() -> None:
        channel = await layer.new_channel("healthz")
        marker = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz.ping", "marker": marker})
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        if message.get("marker") != marker:
            raise RuntimeError("channel layer returned another message")

    async_to_sync(round_trip)()
    return {"backend": type(layer).__name__}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _check_database,
    "broker": _check_broker,
    "channel_layer": _check_channel_layer,
}


def health_report() -> tuple[bool, dict[str, Any]]:
    """Run every check; return (all healthy, per-part status with timings)."""
    parts: dict[str, Any] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            parts[name] = {"ok": True, **detail}
        except Exception as error:  # noqa: BLE001 - any failure is a health result, not a crash
            healthy = False
            parts[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        parts[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return healthy, parts
