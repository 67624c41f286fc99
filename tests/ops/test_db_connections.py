"""Web processes under a burst keep their PostgreSQL connections bounded (issue 18, item 1).

Under ASGI every request runs its sync code in a thread of its own, so persistent connections
(``CONN_MAX_AGE`` > 0, the old 60 s) left one idle connection per request: 30 requests held 30 connections,
and two processes took all 100 of a default server in one 40-upload burst. Two real ASGI processes on the
test database, each naming itself in ``pg_stat_activity``, take 400 requests 40 at a time.
"""

from __future__ import annotations

import json
import signal
import time
import uuid

import pytest

from tests.conftest import asgi_server_start
from tests.ops.helpers import burst, pg_connections, requires_postgresql, sampling

pytestmark = [pytest.mark.integration, pytest.mark.services, requires_postgresql]

REQUESTS = 400
CONCURRENCY = 40
# Both hit the database on every request: the health check's query, the API token's lookup.
PATHS = ("/healthz", "/api/me/")


@pytest.fixture
def token(student) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=student).key


def burst_through_two_processes(
    tmp_path, token: str, **env: str
) -> tuple[dict[str, int], dict[str, int], list[int]]:
    """Start two web processes with ``env``; return their peak and after-burst connection counts."""
    names = [f"dlip-web-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    servers = [asgi_server_start(tmp_path, DATABASE_APPLICATION_NAME=name, **env) for name in names]
    try:
        urls = [server.url + path for server in servers for path in PATHS]
        with sampling(names) as sampler:
            started = time.monotonic()
            statuses = burst(
                urls, requests=REQUESTS, concurrency=CONCURRENCY, headers={"Authorization": f"Token {token}"}
            )
            seconds = time.monotonic() - started
            time.sleep(1.0)
        after = {name: pg_connections(name) for name in names}
        print(json.dumps({"env": env, "peak": sampler.peaks, "after": after, "burst_s": round(seconds, 2)}))
        return sampler.peaks, after, statuses
    finally:
        for server in servers:
            server.process.kill(signal.SIGTERM)


def test_without_a_pool_no_connection_outlives_its_request(transactional_db, tmp_path, token):
    peaks, after, statuses = burst_through_two_processes(tmp_path, token)
    assert statuses == [200] * REQUESTS, statuses
    assert all(count == 0 for count in after.values()), after  # was one per request, idle for minutes
    assert all(peak <= CONCURRENCY for peak in peaks.values()), peaks


def test_with_the_pool_each_process_holds_at_most_its_pool_size(transactional_db, tmp_path, token):
    peaks, after, statuses = burst_through_two_processes(tmp_path, token, DATABASE_POOL_MAX_SIZE="4")
    assert statuses == [200] * REQUESTS, statuses
    assert peaks and all(0 < peak <= 4 for peak in peaks.values()), peaks
    assert all(count <= 4 for count in after.values()), after
