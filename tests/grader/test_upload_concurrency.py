"""The daily limit holds under parallel uploads to several web processes (issue 10 §5): twelve parallel
uploads against a limit of 3 stored ten to twelve before the row lock."""

from __future__ import annotations

import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from grader.models import Submission
from tests.conftest import asgi_server_start
from tests.grader.conftest import assignment_make
from tests.grader.http_upload import api_upload, predictions_good

pytestmark = [pytest.mark.integration, pytest.mark.services]


def test_twelve_parallel_uploads_to_two_web_processes_store_exactly_the_daily_limit(
    transactional_db, course, student, tmp_path
):
    assignment = assignment_make(course, task="fever-regression", daily_limit=3)
    token = Token.objects.create(user=student).key
    folder = Path(settings.MEDIA_ROOT) / "grader" / "submissions" / str(assignment.pk)
    before = {path.name for path in folder.iterdir()}
    servers = [asgi_server_start(tmp_path), asgi_server_start(tmp_path)]
    try:
        barrier = threading.Barrier(12)

        def upload(index: int):
            content = predictions_good(value=f"37.{index}")  # twelve different files
            barrier.wait()
            return api_upload(
                servers[index % 2].url, assignment_id=assignment.pk, token=token, content=content
            )

        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(upload, range(12)))
    finally:
        for server in servers:
            server.process.kill(signal.SIGTERM)
    statuses = sorted(status for status, *_ in results)
    assert statuses == [201] * 3 + [400] * 9, [(s, body) for s, body, *_ in results]
    refused = [body for status, body, *_ in results if status == 400]
    assert all(body and body["code"] == "daily_limit" for body in refused), refused
    assert all("today's 3 submissions" in body["detail"] for body in refused if body)
    rows = Submission.objects.filter(assignment=assignment, user=student)
    assert rows.count() == 3
    # Refused uploads leave no file behind: the new files are the three accepted ones.
    new = {path.name for path in folder.iterdir()} - before
    assert new == {Path(s.file.name).name for s in rows} and len(new) == 3
