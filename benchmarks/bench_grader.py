"""Autograder benchmark: the platform's overhead per submission, and a deadline burst. Prints one JSON object.

    .venv/bin/python benchmarks/bench_grader.py                      # 400 submissions, 2 worker processes
    .venv/bin/python benchmarks/bench_grader.py --burst 100 --runs 3 --concurrency 2
    .venv/bin/python benchmarks/bench_grader.py --redis redis://127.0.0.1:6379/9   # Redis: broker, cache

It sets up a fresh embedded site in a temporary folder (removed at the end unless BENCH_KEEP=1;
SQLite, kombu's filesystem broker; with --redis, the
production's Redis for Celery's broker and results, the cache and the channel layer), trains the
fever-regression reference briefly, and starts ``manage.py serve`` (uvicorn) and ``manage.py celery worker
-Q default,grading-cpu -c CONCURRENCY`` as their own processes. Needs root and bubblewrap (the sandbox).

(a) overhead — one script submission at a time (a script that reads the public ``test.npz`` and writes
    ``predictions.csv``): ``direct`` runs ``python solution.py`` on the host, ``sandbox`` runs it through
    ``sandbox_run`` and the script runner, ``pipeline`` is ``submission_create`` → status SCORED seen in the
    database (store, queue, worker claim, sandbox, scoring, result). Medians of --runs.
(b) burst — --burst prediction uploads POSTed to the API (``Authorization: Token``) by --clients threads as
    fast as the server takes them, from --students students, while one more thread GETs the public
    leaderboard page as a logged-in student in a loop. Reports time to drain (first POST → last SCORED),
    that every upload was scored exactly once, and the page's latency percentiles during the burst.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TASK = "fever-regression"
SCRIPT = """\
import csv, os
import numpy as np

test = np.load(os.path.join(os.environ["DLIP_DATA_DIR"], "test.npz"), allow_pickle=False)
with open(os.path.join(os.environ["DLIP_OUTPUT_DIR"], "predictions.csv"), "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["id", "temp_2h"])
    for key, x in zip(test["id"], test["x"]):
        writer.writerow([int(key), float(x[0]) - 0.5])
"""


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


def wait_ready(process: subprocess.Popen, check: Any, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited early")
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout}s")


def port_free() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_open(request: urllib.request.Request | str, *, timeout: float) -> Any:
    """urlopen for the benchmark's own http://127.0.0.1 server only."""
    target = request if isinstance(request, str) else request.full_url
    if not target.startswith("http://127.0.0.1:"):
        raise ValueError(f"not the benchmark's server: {target}")
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - checked above


def multipart(field: str, name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def setup(data_dir: Path, students: int, epochs: int) -> dict[str, Any]:
    """Migrate a fresh site; a course, its students (tokens), an assignment with a scored reference."""
    os.environ.update(DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING")
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Course, Role, User
    from accounts.services import api_token_regenerate, enrollment_set
    from grader.services import AssignmentRules, assignment_create, submission_grade

    call_command("migrate", verbosity=0)
    course = Course.objects.create(code="BENCH01", title="Benchmark")
    users = []
    for i in range(students):
        code = f"B{i:05d}"
        user = User.objects.create_user(username=code, neptun_code=code)
        enrollment_set(course=course, user=user, role=Role.STUDENT)
        users.append(user)
    assignment = assignment_create(
        course=course,
        by=None,
        task_key=TASK,
        rules=AssignmentRules(
            title="Burst",
            kinds=("predictions", "script"),
            score_zero_points=1.0,
            opens_at=timezone.now() - timedelta(days=1),
            deadline=timezone.now() + timedelta(days=1),
            daily_limit=1000,
            wall_seconds=60,
            memory_mb=2048,
        ),
        reference_epochs=epochs,
    )
    reference = assignment.submissions.get(is_reference=True)
    submission_grade(submission_id=reference.pk, worker="bench-setup")
    session = SessionStore()
    session[SESSION_KEY] = str(users[0].pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = users[0].get_session_auth_hash()
    session.create()
    return {
        "assignment": assignment,
        "users": users,
        "tokens": [api_token_regenerate(user=u).key for u in users],
        "cookie": f"sessionid={session.session_key}",
    }


def overhead(site: dict[str, Any], runs: int, tmp: Path) -> dict[str, Any]:
    from grader import problem_catalog, sandbox
    from grader.models import Submission
    from grader.services import submission_create

    assignment, user = site["assignment"], site["users"][-1]
    public = problem_catalog.catalog_prepare(TASK) / "public"
    folder = tmp / "script"
    folder.mkdir(mode=0o755)
    (folder / "solution.py").write_text(SCRIPT)
    (folder / "solution.py").chmod(0o644)
    direct, sandboxed, pipeline, reported_run = [], [], [], []
    for i in range(runs):
        out = tmp / f"direct{i}"
        out.mkdir()
        env = {**os.environ, "DLIP_DATA_DIR": str(public), "DLIP_OUTPUT_DIR": str(out)}
        started = time.perf_counter()
        subprocess.run([sys.executable, str(folder / "solution.py")], env=env, check=True)
        direct.append(time.perf_counter() - started)
    for i in range(runs):
        out = tmp / f"sandbox{i}"
        out.mkdir()
        started = time.perf_counter()
        result = sandbox.sandbox_run(
            command=sandbox.runner_command("script", "/sandbox/submission/solution.py"),
            inputs={sandbox.DATA_MOUNT: public, "/sandbox/submission": folder},
            output_dir=out,
            limits=sandbox.SandboxLimits(wall_seconds=60, memory_bytes=2 << 30),
        )
        sandboxed.append(time.perf_counter() - started)
        assert result.verdict == sandbox.RunVerdict.OK, result.log
    for _ in range(runs):
        started = time.perf_counter()
        with (folder / "solution.py").open("rb") as upload:
            submission = submission_create(assignment=assignment, user=user, upload=upload, name=upload.name)
        while True:
            row = Submission.objects.values("status", "run_seconds").get(pk=submission.pk)
            if row["status"] in ("scored", "failed"):
                break
            time.sleep(0.005)
        pipeline.append(time.perf_counter() - started)
        assert row["status"] == "scored", row
        reported_run.append(row["run_seconds"])
    ms = lambda values: round(statistics.median(values) * 1000, 1)  # noqa: E731
    return {
        "runs": runs,
        "direct_ms": ms(direct),
        "sandbox_ms": ms(sandboxed),
        "pipeline_ms": ms(pipeline),
        "pipeline_run_seconds_ms": ms(reported_run),
        "overhead_vs_direct_ms": round(ms(pipeline) - ms(direct), 1),
        "overhead_vs_sandbox_ms": round(ms(pipeline) - ms(sandboxed), 1),
    }


def burst(site: dict[str, Any], url: str, count: int, clients: int) -> dict[str, Any]:
    from grader import problem_catalog
    from grader.models import Grading, Submission

    assignment, tokens = site["assignment"], site["tokens"]
    reference = problem_catalog.catalog_reference(TASK, epochs=site["epochs"]).predictions_path.read_text()
    header, *lines = reference.splitlines()

    def predictions(i: int) -> bytes:
        shift = 0.01 * (i % 97)
        rows = [f"{k},{float(v) + shift:.4f}" for k, v in (line.split(",") for line in lines)]
        return ("\n".join([header, *rows]) + "\n").encode()

    page_ms: list[float] = []
    page_errors: list[str] = []
    stop = threading.Event()
    board = f"{url}/grader/assignments/{assignment.pk}/leaderboard/"

    def read_board() -> None:
        while not stop.is_set():
            request = urllib.request.Request(board, headers={"Cookie": site["cookie"]})  # noqa: S310
            started = time.perf_counter()
            try:
                with http_open(request, timeout=60) as response:
                    response.read()
                    ok = response.status == 200
            except OSError as error:
                page_errors.append(str(error))
                continue
            page_ms.append((time.perf_counter() - started) * 1000)
            if not ok:
                page_errors.append("status")

    def post(i: int) -> tuple[int, float]:
        body, content_type = multipart("file", f"p{i}.csv", predictions(i))
        request = urllib.request.Request(  # noqa: S310 - our own server's URL
            f"{url}/api/assignments/{assignment.pk}/submissions/",
            data=body,
            headers={"Authorization": f"Token {tokens[i % len(tokens)]}", "Content-Type": content_type},
            method="POST",
        )
        started = time.perf_counter()
        with http_open(request, timeout=120) as response:
            created = json.loads(response.read())
        return int(created["id"]), (time.perf_counter() - started) * 1000

    load_before = os.getloadavg()
    reader = threading.Thread(target=read_board, daemon=True)
    reader.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(post, range(count)))
    submitted_s = time.perf_counter() - started
    ids = [pk for pk, _ in results]
    students = Submission.objects.filter(pk__in=ids)
    while students.exclude(status__in=["scored", "failed"]).exists():
        if time.perf_counter() - started > 1800:
            break
        time.sleep(0.05)
    drained_s = time.perf_counter() - started
    stop.set()
    reader.join()
    load_after = os.getloadavg()
    scored = students.filter(status="scored").count()
    return {
        "submissions": count,
        "clients": clients,
        "accepted": len(ids),
        "scored": scored,
        "failed": students.filter(status="failed").count(),
        "graded_exactly_once": Grading.objects.filter(submission__in=ids).count() == len(ids) == scored,
        "upload_ms_p50": percentile([ms for _, ms in results], 50),
        "upload_ms_p95": percentile([ms for _, ms in results], 95),
        "all_uploaded_s": round(submitted_s, 1),
        "drain_s": round(drained_s, 1),
        "throughput_per_s": round(count / drained_s, 1),
        "leaderboard_gets": len(page_ms),
        "leaderboard_ms_p50": percentile(page_ms, 50),
        "leaderboard_ms_p95": percentile(page_ms, 95),
        "leaderboard_ms_max": round(max(page_ms), 1) if page_ms else None,
        "leaderboard_errors": len(page_errors),
        # 1-, 5- and 15-minute load averages when the burst started and when it had drained.
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=400, help="prediction uploads in the burst")
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8, help="uploading threads")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (celery -c)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each overhead measurement")
    parser.add_argument("--reference-epochs", type=int, default=20)
    parser.add_argument(
        "--redis", metavar="URL", default="", help="REDIS_URL for the site (broker, results, cache, channels)"
    )
    args = parser.parse_args()
    if args.redis:
        os.environ["REDIS_URL"] = args.redis

    data_dir = Path(tempfile.mkdtemp(prefix="bench-grader-"))
    data_dir.chmod(0o755)
    site = setup(data_dir, args.students, args.reference_epochs)
    site["epochs"] = args.reference_epochs
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    port = port_free()
    log = (data_dir / "processes.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    worker_log = data_dir / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "celery", "worker", "-Q", "default,grading-cpu",
         "-c", str(args.concurrency), "-l", "info", "-n", "bench@%h"],
        cwd=ROOT, env=env, stdout=worker_log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_ready(worker, lambda: "ready." in worker_log.read_text(errors="replace"), "the worker")
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            try:
                http_open(f"{url}/healthz", timeout=5).close()
            except OSError:
                return False
            return True

        wait_ready(server, answers, "the server")
        figures = {
            "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()[0]},
            "task": TASK,
            "broker": "redis" if args.redis else "filesystem",
            "worker_processes": args.concurrency,
            "overhead": overhead(site, args.runs, data_dir),
            "burst": burst(site, url, args.burst, args.clients),
            "load_after": os.getloadavg()[0],
        }
    finally:
        for process in (worker, server):
            process.terminate()
        for process in (worker, server):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if not os.environ.get("BENCH_KEEP"):  # the site's folder (logs, database); BENCH_KEEP=1 keeps it
            shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(figures, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
