"""How long a backup and a restore take: for the demo site and for a 400-student term.

Run from the repository root: ``.venv/bin/python benchmarks/bench_backup.py [--students 400]
[--file-kb 16] [--demo]``. It builds a fresh site in a temporary folder (SQLite; with DATABASE_URL set,
PostgreSQL, and then RESTORE_DATABASE_URL must name an empty database for the restore): a term of
``--students`` students with 10 games, 10 assignments (about 1.6 scored submissions per student and
assignment, each with its own file of ``--file-kb`` KB on disk) and 10 milestones
(tests/gradebook/builders.py). ``--demo`` also measures the demo site (``manage.py demo_data``: trains
the reference solutions once into the reference cache, which takes minutes the first time).
It prints the backup's time and size, and the time of ``manage.py restore`` into a fresh folder (a new
process: Django's start and the migrate check are in the figure).
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]


def restore_timed(archive: Path, folder: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k not in {"MEDIA_ROOT", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(folder))
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["RESTORE_DATABASE_URL"]
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "restore", str(archive)], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def report(label: str, folder: Path, restore_folder: Path) -> None:
    from lifecycle.services.backup import site_backup

    started = time.perf_counter()
    summary = site_backup(out_path=folder / "backups" / f"{label}.tar.gz")
    backup_s = time.perf_counter() - started
    size = summary.path.stat().st_size
    print(
        f"{label}: backup {backup_s:.2f} s ({summary.files} files, {summary.bytes / 1e6:.1f} MB of files, "
        f"archive {size / 1e6:.1f} MB)",
        flush=True,
    )
    if os.environ.get("DATABASE_URL") and not os.environ.get("RESTORE_DATABASE_URL"):
        print(f"{label}: restore skipped (set RESTORE_DATABASE_URL to an empty database)")
        return
    print(f"{label}: restore {restore_timed(summary.path, restore_folder):.2f} s (a new process)", flush=True)


def files_write(*, kb: int) -> int:
    """Give every submission its own file of about ``kb`` KB (a predictions CSV)."""
    from django.conf import settings

    from grader.models import Submission

    rng = random.Random(1)
    folder = Path(settings.MEDIA_ROOT) / "grader" / "submissions" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    submissions = list(Submission.objects.all())
    lines = max(1, kb * 1024 // 16)
    for s in submissions:
        name = f"grader/submissions/bench/{s.pk}.csv"
        body = "id,value\n" + "".join(f"{i},{rng.uniform(35, 41):.6f}\n" for i in range(lines))
        (Path(settings.MEDIA_ROOT) / name).write_text(body)
        s.file = name
    Submission.objects.bulk_update(submissions, ["file"], batch_size=2000)
    return len(submissions)


def main(folder: Path) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument("--file-kb", type=int, default=16)
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args()

    os.environ["DATA_DIR"] = str(folder / "site")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The demo's reference solutions: keep the cache between runs (training takes minutes).
    os.environ.setdefault("REFERENCE_CACHE_DIR", str(ROOT / "var" / "reference"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Course, Role, User
    from accounts.services import enrollment_set
    from tests.gradebook.builders import gradebook_build

    call_command("migrate", verbosity=0)
    if args.demo:
        started = time.perf_counter()
        call_command("demo_data", verbosity=0)
        print(f"demo site built in {time.perf_counter() - started:.0f} s", flush=True)
        report("demo", folder, folder / "restored-demo")

    started = time.perf_counter()
    course = Course.objects.create(code="BENCH400", title="Deep Learning in practice", term="2025/26/1")
    instructor = User.objects.create_user(username="bench-instructor", password="x")
    enrollment_set(course=course, user=instructor, role=Role.INSTRUCTOR)
    gradebook_build(course=course, host=instructor, students=args.students)
    count = files_write(kb=args.file_kb)
    print(
        f"term: {args.students} students, {count} submissions with files, {connection.vendor}; "
        f"built in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    report(f"term-{args.students}", folder, folder / "restored-term")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        try:
            main(Path(tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
