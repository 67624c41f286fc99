"""How long sending a grading job takes while the broker (Redis) is down, and how fast the parser is.

Run from the repository root: ``.venv/bin/python benchmarks/bench_broker_down.py [--old]``. The broker
is a Redis URL on a port where nothing listens (connection refused, as after `kill -9`). It times the
publish an upload makes after its commit (``grade_submission.apply_async(..., ignore_result=True)``,
which fails fast and leaves the submission queued), and with ``--old`` also the publish as it was
(result backend consulted: Redis' reconnect loop, ~19 s). Then it times the strict prediction-file parser
on a valid 20 MB-class file and on hostile ones (enormous line, 4,000-digit ids).
"""

import argparse
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def publish_seconds(*, ignore_result: bool) -> float:
    from grader.tasks import grade_submission

    started = time.perf_counter()
    try:
        grade_submission.apply_async(args=[0], queue="grading-cpu", ignore_result=ignore_result)
    except Exception as error:  # noqa: BLE001 - the failure is what is measured
        print(f"    refused: {type(error).__name__}")
    return time.perf_counter() - started


def parse_seconds(path: Path) -> float:
    from reference_models.predictions import PredictionFormatError, predictions_read

    started = time.perf_counter()
    try:
        predictions_read(path=path, columns=["value"], expected_ids=range(1_000_000))
    except PredictionFormatError as error:
        print(f"    {str(error)[:90]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", action="store_true", help="also time the publish with the result backend")
    args = parser.parse_args()
    url = f"redis://127.0.0.1:{dead_port()}/0"
    os.environ.update(REDIS_URL=url, CELERY_BROKER_URL=url, CELERY_RESULT_BACKEND=url)
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-broker-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    for attempt in range(3):
        print(
            f"publish with the broker down (ignore_result), try {attempt + 1}: "
            f"{publish_seconds(ignore_result=True):.2f} s"
        )
    if args.old:
        print(
            f"publish with the broker down, result backend consulted (the old way): "
            f"{publish_seconds(ignore_result=False):.2f} s"
        )

    with tempfile.TemporaryDirectory() as folder:
        good = Path(folder) / "good.csv"
        good.write_text("id,value\n" + "".join(f"{i},{i * 0.001:.6f}\n" for i in range(1_000_000)))
        print(
            f"parse a valid file of 1,000,000 rows ({good.stat().st_size / 1e6:.1f} MB): "
            f"{parse_seconds(good):.2f} s"
        )
        long_line = Path(folder) / "long.csv"
        long_line.write_text("id,value\n0," + "1" * 19_000_000 + "\n")
        print(f"parse a file with one 19 MB line: {parse_seconds(long_line):.2f} s")
        digits = Path(folder) / "digits.csv"
        digits.write_text("id,value\n" + "".join(f"{'9' * 4000},1\n" for _ in range(4000)))
        print(f"parse a file of 4,000-digit ids: {parse_seconds(digits):.3f} s")


if __name__ == "__main__":
    main()
