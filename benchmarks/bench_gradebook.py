"""How long the gradebook page takes for a big course, and how many queries it runs.

Run from the repository root: ``.venv/bin/python benchmarks/bench_gradebook.py [--students 400]
[--games 10 --assignments 10 --milestones 10] [--requests 30]``. It builds a fresh SQLite database in a
temporary folder (DATABASE_URL, when set, is used instead: PostgreSQL), fills it with bulk_create
(tests/gradebook/builders.py: about 1.6 scored submissions per student and assignment, 90 % of the
students in each game, teams of four with graded milestones), then requests the page as the instructor
through Django's test client (the whole stack but the network: middleware, session, selectors, template)
and prints p50/p95 of the render time, the query count per request, and the same for the exports.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(folder: str) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument("--games", type=int, default=10)
    parser.add_argument("--assignments", type=int, default=10)
    parser.add_argument("--milestones", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    os.environ["DATA_DIR"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from accounts.models import Course, Role, User
    from accounts.services import enrollment_set
    from gradebook.selectors import gradebook_for_course
    from tests.gradebook.builders import gradebook_build

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    course = Course.objects.create(code="BENCH1", title="Deep Learning in practice", term="2026/27/1")
    instructor = User.objects.create_user(username="bench-instructor", password="x")
    enrollment_set(course=course, user=instructor, role=Role.INSTRUCTOR)
    gradebook_build(
        course=course,
        host=instructor,
        students=args.students,
        games=args.games,
        assignments=args.assignments,
        milestones=args.milestones,
    )
    columns = args.games + args.assignments + args.milestones
    print(
        f"gradebook: {args.students} students x {columns} columns ({args.games} games, "
        f"{args.assignments} assignments, {args.milestones} milestones), {connection.vendor}; "
        f"set up in {time.perf_counter() - started:.1f} s"
    )

    client = Client()
    client.force_login(instructor)

    def measure(name: str, url: str, count: int) -> None:
        times, queries, size = [], set(), 0
        for _ in range(count + 1):  # the first request warms up (template compilation), not counted
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - began
            assert response.status_code == 200, response.status_code
            times.append(elapsed)
            queries.add(len(captured.captured_queries))
            size = len(response.content)
        times = times[1:]
        print(
            f"{name:16s} n={count:3d}  p50 {statistics.median(times) * 1000:7.1f} ms  "
            f"p95 {percentile(times, 0.95) * 1000:7.1f} ms  max {max(times) * 1000:7.1f} ms  "
            f"queries {'/'.join(str(q) for q in sorted(queries))}  {size / 1024:.0f} KiB"
        )

    selector_times = []
    for _ in range(max(5, args.requests // 3)):
        began = time.perf_counter()
        gradebook_for_course(course=course)
        selector_times.append(time.perf_counter() - began)
    p50 = statistics.median(selector_times) * 1000
    print(
        f"{'selector only':16s} n={len(selector_times):3d}  p50 {p50:7.1f} ms  "
        f"p95 {percentile(selector_times, 0.95) * 1000:7.1f} ms  (gradebook_for_course, no template)"
    )
    measure("page", reverse("gradebook:course", args=[course.code]), args.requests)
    measure("page, search", reverse("gradebook:course", args=[course.code]) + "?q=G0001", args.requests)
    measure(
        "page, sorted",
        reverse("gradebook:course", args=[course.code]) + "?sort=total&order=desc",
        args.requests,
    )
    measure("export CSV", reverse("gradebook:export_csv", args=[course.code]), max(5, args.requests // 3))
    measure("export XLSX", reverse("gradebook:export_xlsx", args=[course.code]), max(5, args.requests // 3))


if __name__ == "__main__":
    data_dir = tempfile.mkdtemp(prefix="bench-gradebook-")
    try:
        main(data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
