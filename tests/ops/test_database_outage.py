"""The database refusing connections for a while: uploads are refused and store nothing, a job waiting
for the database is tried again with back-off and graded once it is back (issue 18, item 3).

Before: a job whose worker met a refused database raised before its claim, was acknowledged and gone;
only the sweeper's fixed 1,800 s re-send found the submission again. The outage here is real:
``ALTER DATABASE … ALLOW_CONNECTIONS false`` on this run's own test database, and the connections the
worker and the web process hold are ended, as a PostgreSQL restart would.
"""

from __future__ import annotations

import io
import json
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from grader import problem_catalog
from grader.models import Grading, Submission, SubmissionStatus
from grader.services import submission_create
from tests.conftest import asgi_server_start, worker_start
from tests.grader.conftest import REFERENCE_EPOCHS, assignment_make, wait_done
from tests.ops.helpers import requires_postgresql, server_connection, upload

pytestmark = [pytest.mark.integration, pytest.mark.services, requires_postgresql]

TASK = "fever-regression"
OUTAGE_SECONDS = 8.0


@contextmanager
def database_refusing(*, application_names: list[str]) -> Iterator[None]:
    """No new connection to the test database; the named processes' connections are ended."""
    name = connection.settings_dict["NAME"]
    quoted = connection.ops.quote_name(name)
    # From the server's maintenance database: PostgreSQL refuses this from a session on the database itself.
    with server_connection(dbname="postgres") as admin:
        admin.execute(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS false")
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name = ANY(%s)",
                [name, application_names],
            )
            yield
        finally:
            admin.execute(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS true")


def stored_files() -> set[Path]:
    folder = Path(settings.MEDIA_ROOT) / "grader"
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


def test_database_outage_refuses_uploads_cleanly_and_grades_the_waiting_job_once_it_is_back(
    transactional_db, course, student, tmp_path
):
    from rest_framework.authtoken.models import Token

    worker_name, web_name = f"dlip-worker-{uuid.uuid4().hex[:6]}", f"dlip-web-{uuid.uuid4().hex[:6]}"
    worker = worker_start(
        tmp_path,
        DATABASE_APPLICATION_NAME=worker_name,
        GRADER_RETRY_BACKOFF_SECONDS="1",
        GRADER_RETRY_BACKOFF_MAX_SECONDS="4",
    )
    server = asgi_server_start(tmp_path, DATABASE_APPLICATION_NAME=web_name)
    try:
        assignment = assignment_make(course, task=TASK, kinds=("predictions",))
        wait_done(assignment.submissions.get(is_reference=True), worker=worker)
        token = Token.objects.create(user=student).key
        reference = problem_catalog.catalog_reference(TASK, epochs=REFERENCE_EPOCHS)
        predictions = reference.predictions_path.read_bytes()
        api = f"{server.url}/api/assignments/{assignment.pk}/submissions/"
        files_before, rows_before = stored_files(), Submission.objects.count()

        with database_refusing(application_names=[worker_name, web_name]):
            status, body, _ = upload(api, token=token, name="predictions.csv", content=predictions)
            assert status in (500, 503), (status, body[:500])  # refused, with the error page or JSON
            assert stored_files() == files_before and Submission.objects.count() == rows_before
            # A job sent just as the database went away (the test's own connection still works).
            waiting = submission_create(
                assignment=assignment, user=student, upload=io.BytesIO(predictions), name="predictions.csv"
            )
            deadline = time.monotonic() + 30
            while "database unavailable" not in worker.log() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "database unavailable" in worker.log(), worker.log()[-3000:]
            time.sleep(OUTAGE_SECONDS)
            waiting.refresh_from_db()
            assert waiting.status == SubmissionStatus.QUEUED and waiting.attempts == 0
        reopened = time.monotonic()

        done = wait_done(waiting, worker=worker, timeout=60)
        recovery = time.monotonic() - reopened
        assert done.status == SubmissionStatus.SCORED, (done.verdict_detail, done.log[-2000:])
        assert Grading.objects.filter(submission=done).count() == 1 and done.attempts == 1
        retries = worker.log().count("database unavailable")
        print(
            json.dumps(
                {
                    "fault": "database refused",
                    "outage_s": OUTAGE_SECONDS,
                    "retries": retries,
                    "recovery_s": round(recovery, 1),
                }
            )
        )
        # The service is back for uploads too: the refused student simply sends it again.
        status, body, _ = upload(api, token=token, name="predictions.csv", content=predictions)
        assert status == 201, body[:500]
        again = Submission.objects.get(pk=json.loads(body)["id"])
        assert wait_done(again, worker=worker, timeout=60).status == SubmissionStatus.SCORED
    finally:
        server.process.kill(signal.SIGTERM)
        worker.kill(signal.SIGTERM)
