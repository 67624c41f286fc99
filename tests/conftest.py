"""Shared fixtures: people and courses, a real Celery worker process, a real ASGI server, a browser."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Role
from accounts.services import enrollment_set
from tests.factories import CourseFactory, StudentFactory, UserFactory

ROOT = Path(__file__).resolve().parents[1]
# Playwright's sync API keeps an event loop running in the test thread; Django's ORM then refuses
# to run from "async context". The test process is single-threaded, so allow it (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A Hungarian user's request activates Hungarian in this thread; the next test starts in English."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def course(db):
    return CourseFactory(code="VITMMA19")


@pytest.fixture
def student(course):
    user = StudentFactory(neptun_code="ABC123", username="ABC123")
    enrollment_set(course=course, user=user, role=Role.STUDENT)
    return user


@pytest.fixture
def other_student(course):
    user = StudentFactory(neptun_code="XYZ789", username="XYZ789")
    enrollment_set(course=course, user=user, role=Role.STUDENT)
    return user


@pytest.fixture
def instructor(course):
    user = UserFactory(username="instructor", is_staff=True)
    enrollment_set(course=course, user=user, role=Role.INSTRUCTOR)
    return user


@pytest.fixture
def grader_user(course):
    user = UserFactory(username="grader", is_staff=True)
    enrollment_set(course=course, user=user, role=Role.GRADER)
    return user


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a server or worker process that must share the test database and data folder."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.test_settings",
        PLATFORM_TEST_SUBPROCESS="1",
        DATA_DIR=str(settings.DATA_DIR),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ManagedProcess:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the whole process group (a Celery worker's children too)."""
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        self.process.wait(timeout=30)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_process(
    argv: list[str], *, log_path: Path, ready: str | int, env: dict[str, str], timeout: float = 60
) -> ManagedProcess:
    """Start a process in its own session; wait until its log shows `ready` (or the port `ready` accepts)."""
    log_file = log_path.open("w")
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
    )
    managed = ManagedProcess(process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready in managed.log() if isinstance(ready, str) else port_open(ready):
            return managed
        if process.poll() is not None:
            raise RuntimeError(f"{argv} exited early:\n{managed.log()[-3000:]}")
        time.sleep(0.1)
    managed.kill()
    raise RuntimeError(f"{argv} not ready after {timeout}s:\n{managed.log()[-3000:]}")


def purge_filesystem_broker() -> None:
    queue = Path(settings.BROKER_DIR) / "queue"
    if queue.exists() and not settings.REDIS_URL:
        for message in queue.iterdir():
            message.unlink(missing_ok=True)


def worker_start(
    tmp_path: Path,
    *,
    queues: str = "default,grading-cpu",
    name: str | None = None,
    beat: bool = False,
    **env: str,
) -> ManagedProcess:
    """A real worker; ``beat=True`` runs Celery beat inside it, as ``dev.py demo`` does."""
    name = name or f"test-{uuid.uuid4().hex[:8]}"
    argv = [
        sys.executable,
        "manage.py",
        "celery",
        "worker",
        "-Q",
        queues,
        "-c",
        "1",
        "-l",
        "info",
        "-n",
        f"{name}@%h",
    ]
    if beat:
        argv += ["-B", "-s", str(tmp_path / f"{name}-beat-schedule")]
    return start_process(argv, log_path=tmp_path / f"{name}.log", ready="ready.", env=subprocess_env(**env))


@pytest.fixture
def celery_worker(transactional_db, tmp_path) -> Iterator[ManagedProcess]:
    """A real `celery worker` process on the test database; tests using it must commit their data."""
    purge_filesystem_broker()
    worker = worker_start(tmp_path)
    yield worker
    worker.kill(signal.SIGTERM)


@dataclass
class LiveServer:
    url: str
    ws_url: str
    process: ManagedProcess


def asgi_server_start(tmp_path: Path, **env: str) -> LiveServer:
    port = free_port()
    argv = [sys.executable, "manage.py", "serve", "--port", str(port)]
    process = start_process(
        argv, log_path=tmp_path / f"asgi-{port}.log", ready=port, env=subprocess_env(**env)
    )
    return LiveServer(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", process)


@pytest.fixture
def asgi_server(transactional_db, tmp_path) -> Iterator[LiveServer]:
    """The real ASGI application served by daphne in its own process, on the test database."""
    server = asgi_server_start(tmp_path)
    yield server
    server.process.kill(signal.SIGTERM)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def artifacts_dir(request) -> Path:
    """Where a browser test saves its screenshots (kept after the run as test artifacts)."""
    path = ARTIFACTS / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis server for tests that need one even in the embedded run (several ASGI processes).

    dev.py test makes sure one is running (installing Debian's redis-server where missing).
    """
    import redis

    url = os.environ.get("REDIS_URL") or os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    return url


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread for the
    rest of the session, and Channels' test communicators (async_to_sync) refuse to start under one."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
