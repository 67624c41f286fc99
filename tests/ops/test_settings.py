"""Production settings that hold: database connections, the security headers, the sweeper's and the
retries' timing, and demo data kept off real sites (issue 18, items 1, 3 and 8)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.utils import timezone

from core.middleware import ContentSecurityPolicyMiddleware
from grader.models import SubmissionStatus
from grader.services import retry_backoff_seconds, submission_sweep
from tests.conftest import purge_filesystem_broker
from tests.dashboards.conftest import assignment_row, submission_row
from tests.test_operations import run_manage

ROOT = Path(__file__).resolve().parents[2]
SECRET = "settings-test-" + "s" * 50


def production_settings(tmp_path: Path, names: list[str], **env: str) -> dict:
    probe = (
        "import json; from django.conf import settings as s; "
        f"print('SETTINGS', json.dumps({{n: getattr(s, n, None) for n in {names!r}}}, default=str))"
    )
    env = {"PLATFORM_MODE": "production", "SECRET_KEY": SECRET, "DATA_DIR": str(tmp_path), **env}
    result = run_manage(["shell", "-c", probe], **env)
    line = next((line for line in result.stdout.splitlines() if line.startswith("SETTINGS")), None)
    assert line, result.stdout + result.stderr
    return json.loads(line.split(" ", 1)[1])


# --- item 1: connections ----------------------------------------------------------------------------------


def test_postgresql_connections_are_not_kept_under_asgi_and_are_named(tmp_path):
    url = "postgres://dlip:secret@db.example.edu:5432/dlip"
    default = production_settings(tmp_path, ["DATABASES"], DATABASE_URL=url)["DATABASES"]["default"]
    assert default["CONN_MAX_AGE"] == 0  # was 60: one idle connection per request under ASGI
    assert default["OPTIONS"]["application_name"] == "dlip"
    assert default["OPTIONS"]["connect_timeout"] == 5
    assert "pool" not in default["OPTIONS"]
    assert default["TEST"]["NAME"] == "test_dlip"  # one test database per database, not one for all

    pooled = production_settings(
        tmp_path,
        ["DATABASES"],
        DATABASE_URL=url,
        DATABASE_POOL_MAX_SIZE="8",
        DATABASE_CONN_MAX_AGE="300",  # a pool and persistent connections exclude each other
        DATABASE_APPLICATION_NAME="dlip-web-8001",
    )["DATABASES"]["default"]
    assert pooled["CONN_MAX_AGE"] == 0
    assert pooled["OPTIONS"]["pool"]["max_size"] == 8 and pooled["OPTIONS"]["pool"]["min_size"] == 0
    assert pooled["OPTIONS"]["application_name"] == "dlip-web-8001"

    worker = production_settings(tmp_path, ["DATABASES"], DATABASE_URL=url, DATABASE_CONN_MAX_AGE="300")
    assert worker["DATABASES"]["default"]["CONN_MAX_AGE"] == 300


# --- item 8: TLS behind a proxy, HSTS, CSP ----------------------------------------------------------------


def test_hsts_subdomains_and_preload_are_a_choice_not_a_default(tmp_path):
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT",
    ]
    default = production_settings(tmp_path, names)
    assert default == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_SSL_REDIRECT": True,
    }
    chosen = production_settings(
        tmp_path, names, SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1", SECURE_SSL_REDIRECT="0"
    )
    assert chosen["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and chosen["SECURE_HSTS_PRELOAD"]
    assert chosen["SECURE_SSL_REDIRECT"] is False


@pytest.mark.parametrize("choice", ["0", "1"])
def test_deploy_check_is_clean_whichever_hsts_choice(tmp_path, choice):
    result = run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        PLATFORM_MODE="production",
        DATA_DIR=str(tmp_path),
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="dl.example.edu",
        SECURE_HSTS_INCLUDE_SUBDOMAINS=choice,
        SECURE_HSTS_PRELOAD=choice,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_plain_http_healthz_is_answered_not_redirected_in_production(tmp_path):
    probe = (
        "from django.test import Client; c = Client(); "
        "h = c.get('/healthz'); l = c.get('/accounts/login/'); "
        "print('STATUS', h.status_code, l.status_code, l.get('Location'))"
    )
    result = run_manage(
        ["shell", "-c", probe],
        PLATFORM_MODE="production",
        SECRET_KEY=SECRET,
        DATA_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("STATUS")), None)
    assert line, result.stdout + result.stderr
    _, health, login, location = line.split(" ", 3)
    assert health in ("200", "503")  # the site's real state (no migrated database here), never 301
    assert login == "301" and location.startswith("https://testserver/accounts/login/")


def test_every_page_gets_a_content_security_policy_without_inline_script(client, db):
    for path in ("/accounts/login/", "/healthz", "/api/schema/", "/quizzes/play/"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy.split("style-src")[0], path
        assert "connect-src 'self' ws://testserver;" in policy and "frame-ancestors 'self'" in policy, path


def test_a_view_with_its_own_policy_keeps_it():
    def notebook_view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("<p>executed notebook</p>")
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response

    request = HttpRequest()
    request.META.update(SERVER_NAME="testserver", SERVER_PORT="80")
    assert ContentSecurityPolicyMiddleware(notebook_view)(request)["Content-Security-Policy"] == (
        "sandbox; default-src 'none'"
    )


def test_a_foreign_host_never_enters_the_policy(client, db):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    policy = response["Content-Security-Policy"]
    assert "evil" not in policy and "connect-src 'self';" in policy


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_inline_script_or_event_handlers_the_policy_would_block():
    templates = [
        path
        for folder in ("platform", "quizzes", "grader")
        for path in (ROOT / folder).rglob("templates/**/*.html")
    ]
    assert len(templates) > 20
    offenders = [
        str(path.relative_to(ROOT))
        for path in templates
        if INLINE_SCRIPT.search(path.read_text()) or EVENT_HANDLER.search(path.read_text())
    ]
    assert offenders == []


def test_demo_data_refuses_to_run_in_production(tmp_path):
    result = run_manage(["demo_data"], PLATFORM_MODE="production", SECRET_KEY=SECRET, DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "refuses to run with PLATFORM_MODE=production" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.stderr


# --- item 3: retries and the sweeper ----------------------------------------------------------------------


@override_settings(GRADER_RETRY_BACKOFF_SECONDS=5.0, GRADER_RETRY_BACKOFF_MAX_SECONDS=120.0)
def test_retries_wait_twice_as_long_each_time_up_to_the_maximum():
    assert [retry_backoff_seconds(attempt=n) for n in range(1, 8)] == [5, 10, 20, 40, 80, 120, 120]


def test_the_sweeper_resends_a_lost_message_after_grader_requeue_after_seconds(course, student):
    assignment = assignment_row(course)
    lost = submission_row(assignment, student, status=SubmissionStatus.QUEUED)
    waiting = submission_row(assignment, student, status=SubmissionStatus.QUEUED)
    now = timezone.now()
    type(lost).objects.filter(pk=lost.pk).update(queued_at=now - timedelta(seconds=150))
    type(waiting).objects.filter(pk=waiting.pk).update(queued_at=now - timedelta(seconds=60))
    try:
        with override_settings(GRADER_REQUEUE_AFTER_SECONDS=1800.0):
            assert submission_sweep(now=now).resent == 0  # the old fixed interval
        with override_settings(GRADER_REQUEUE_AFTER_SECONDS=120.0):
            assert submission_sweep(now=now).resent == 1  # the new default: the lost one, not the waiting one
        lost.refresh_from_db()
        assert lost.status == SubmissionStatus.QUEUED and lost.queued_at > now - timedelta(seconds=5)
    finally:
        purge_filesystem_broker()
