"""Grading workers run niced, so a deadline burst's grading yields the CPU to the web server."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]
STARTED = """
import os, django
django.setup()
from celery.signals import worker_init
import config.celery_app
before = os.nice(0)
worker_init.send(sender=None)
print("nice", before, os.nice(0))
"""


@pytest.mark.parametrize(("setting", "added"), [("10", 10), ("0", 0)])
def test_a_started_worker_lowers_its_own_priority(setting, added):
    done = subprocess.run(
        [sys.executable, "-c", STARTED],
        cwd=ROOT,
        env=subprocess_env(GRADER_WORKER_NICE=setting, PYTHONPATH=f"{ROOT / 'platform'}:{ROOT}"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("nice "))
    before, after = map(int, line.split()[1:])
    assert after == min(19, before + added)
