"""Shared pieces of the operations tests: PostgreSQL's view of who is connected, and request bursts."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

requires_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs a PostgreSQL server (the run with DATABASE_URL): its connections and ALLOW_CONNECTIONS",
)


def pg_connections(application_name: str) -> int:
    """Connections PostgreSQL holds for processes that named themselves ``application_name``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return int(cursor.fetchone()[0])


def server_connection(*, dbname: str | None = None, application_name: str = "dlip-test") -> Any:
    """A psycopg connection (autocommit) to the test server, by default to the test database."""
    import psycopg

    db = settings.DATABASES["default"]
    conninfo = {
        "dbname": dbname or db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "application_name": application_name,
    }
    return psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True)


@dataclass
class Sampler:
    """Counts a set of application names in pg_stat_activity every 20 ms, on its own connection."""

    names: list[str]
    peaks: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with server_connection(application_name="dlip-test-sampler") as conn:
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity "
                    "WHERE application_name = ANY(%s) GROUP BY 1",
                    [self.names],
                ).fetchall()
                for name, count in rows:
                    self.peaks[name] = max(self.peaks.get(name, 0), int(count))
                time.sleep(0.02)


@contextmanager
def sampling(names: list[str]) -> Iterator[Sampler]:
    sampler = Sampler(names)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    try:
        yield sampler
    finally:
        sampler._stop.set()
        thread.join(timeout=10)


def get_status(url: str, *, timeout: float = 60, headers: dict[str, str] | None = None) -> int:
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def burst(
    urls: list[str], *, requests: int, concurrency: int, headers: dict[str, str] | None = None
) -> list[int]:
    """``requests`` GETs spread round robin over ``urls``, ``concurrency`` at a time; their statuses."""
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(lambda i: get_status(urls[i % len(urls)], headers=headers), range(requests)))


def upload(
    url: str, *, token: str, name: str, content: bytes, timeout: float = 60
) -> tuple[int, bytes, dict[str, str]]:
    """POST one file as the multipart field ``file`` with an API token; the status, body and headers."""
    boundary = "dlip-ops-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)
