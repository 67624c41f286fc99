"""Health check, run modes, and a task round trip through a real worker process."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.tasks import ping

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.services


def test_healthz_reports_every_part(client, db):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {"database", "broker", "channel_layer"} <= set(body)
    assert all(body[part]["ok"] for part in ("database", "broker", "channel_layer"))


@pytest.mark.integration
def test_task_round_trips_through_a_real_worker_process(celery_worker):
    result = ping.delay("round trip")
    answer = result.get(timeout=60)
    assert answer["echo"] == "round trip"
    assert answer["pid"] != os.getpid()
    # The worker logs "succeeded" just after storing the result: give its log a moment.
    for _ in range(50):
        if "core.ping" in celery_worker.log() and "succeeded" in celery_worker.log():
            break
        time.sleep(0.1)
    assert "core.ping" in celery_worker.log() and "succeeded" in celery_worker.log()


def run_manage(args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "PLATFORM_TEST_SUBPROCESS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_the_default_secret(tmp_path):
    result = run_manage(["check"], PLATFORM_MODE="production", DATA_DIR=str(tmp_path), SECRET_KEY="")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_deploy_check_is_clean(tmp_path):
    result = run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        PLATFORM_MODE="production",
        DATA_DIR=str(tmp_path),
        SECRET_KEY="x" * 20 + "-Unpredictable-Secret-Value-For-Tests-0123456789",
        ALLOWED_HOSTS="dl.example.edu",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_logs_are_json_lines(tmp_path):
    result = run_manage(
        ["shell", "-c", "import logging; logging.getLogger('probe').warning('hello %s', 'log')"],
        DATA_DIR=str(tmp_path),
    )
    line = next(line for line in result.stdout.splitlines() if "probe" in line)
    assert json.loads(line)["message"] == "hello log"


def test_demo_data_is_idempotent(db):
    from django.core.management import call_command

    from accounts.models import Enrollment, User

    call_command("demo_data")
    call_command("demo_data")
    assert Enrollment.objects.filter(course__code="VITMMA19", role="student").count() == 30
    assert all(
        len(code) == 6
        for code in User.objects.exclude(neptun_code=None).values_list("neptun_code", flat=True)
    )


@pytest.mark.integration
def test_served_site_shows_login_admin_and_health(asgi_server):
    import urllib.request

    for path, needle in (
        ("/accounts/login/", b"Neptun code"),
        ("/admin/login/", b"administration"),
        ("/healthz", b'"ok"'),
    ):
        with urllib.request.urlopen(asgi_server.url + path, timeout=30) as response:
            assert response.status == 200 and needle in response.read()


def test_healthz_is_503_when_the_broker_is_down(tmp_path):
    probe = (
        "from django.test import Client; import json; r = Client().get('/healthz'); "
        "print('STATUS', r.status_code, json.dumps(r.json()))"
    )
    result = run_manage(
        ["shell", "-c", probe],
        DATA_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:9/0",
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("STATUS"))
    status, body = line.split(" ", 2)[1:]
    report = json.loads(body)
    assert status == "503" and report["status"] == "degraded"
    assert report["database"]["ok"] and not report["broker"]["ok"] and not report["channel_layer"]["ok"]
