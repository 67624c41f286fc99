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

import pytest
from django.conf import settings
from django.db import connection

requires_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="PostgreSQL only (the run with DATABASE_URL); SQLite has no server connections to count",
)


def pg_connections(application_name: str) -> int:
    """Connections PostgreSQL holds for processes that named themselves ``application_name``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return int(cursor.fetchone()[0])


@dataclass
class Sampler:
    """Counts a set of application names in pg_stat_activity every 20 ms, on its own connection."""

    names: list[str]
    peaks: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        import psycopg

        db = settings.DATABASES["default"]
        conninfo = {
            "dbname": db["NAME"],
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "application_name": "dlip-test-sampler",
        }
        with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
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
