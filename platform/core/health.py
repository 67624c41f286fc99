"""Health checks of the parts a request depends on: database, broker, channel layer, free disk space."""

import asyncio
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
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


def _check_disk() -> dict[str, Any]:
    """Free space of the folders uploads and grading write to; ``ok`` is false below
    ``HEALTH_MIN_FREE_MB`` (the site answers, but uploads or grading may fail: status "degraded", not 503).
    """
    minimum = int(getattr(settings, "HEALTH_MIN_FREE_MB", 1024)) * 1024 * 1024
    folders = {"media": settings.MEDIA_ROOT, "work": settings.GRADER_WORK_DIR}
    detail: dict[str, Any] = {"ok": True, "min_free_mb": minimum // (1024 * 1024)}
    for name, folder in folders.items():
        path = Path(folder)
        while not path.exists() and path != path.parent:  # not made yet: its volume is the parent's
            path = path.parent
        usage = shutil.disk_usage(path)
        detail[f"{name}_free_mb"] = usage.free // (1024 * 1024)
        if usage.free < minimum:
            detail["ok"] = False
            detail["error"] = f"less than {minimum // (1024 * 1024)} MB free for {name} files"
    return detail


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _check_database,
    "broker": _check_broker,
    "channel_layer": _check_channel_layer,
}
# Checks whose failure degrades the site but does not make it unhealthy (no 503): every web process shares
# the media volume, so a load balancer taking them all out for a full disk would stop the live quizzes too.
WARNINGS: dict[str, Callable[[], dict[str, Any]]] = {
    "disk": _check_disk,
}


def health_report() -> tuple[bool, dict[str, Any]]:
    """Run every check; return (all healthy, per-part status with timings).

    A part of ``WARNINGS`` that is not ok shows ``"ok": false`` without making the site unhealthy.
    """
    parts: dict[str, Any] = {}
    healthy = True
    for name, check in {**CHECKS, **WARNINGS}.items():
        started = time.perf_counter()
        try:
            detail = check()
            parts[name] = {"ok": True, **detail}
        except Exception as error:  # noqa: BLE001 - any failure is a health result, not a crash
            parts[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        if not parts[name]["ok"] and name in CHECKS:
            healthy = False
        parts[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return healthy, parts
