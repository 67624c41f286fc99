"""Site-wide Celery tasks."""

import os
import socket

from celery import shared_task


@shared_task(name="core.ping")
def ping(payload: str) -> dict[str, object]:
    """Round-trip check: returns what it was given and which worker ran it."""
    return {"echo": payload, "worker": socket.gethostname(), "pid": os.getpid()}
