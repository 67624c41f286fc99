"""Backup while the site works (a real worker grades, players answer), restore into a fresh site (a new
folder; on PostgreSQL a new database), and compare what matters: gradebooks, files, scores, answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from accounts.models import Role
from accounts.services import enrollment_set
from core.errors import PlatformError
from lifecycle.services.backup import site_backup, site_restore
from quizzes.models import Answer, Game, Quiz
from quizzes.selectors import live_question
from quizzes.services import answer_record, game_advance, game_create, player_join, question_save
from tests.conftest import ROOT
from tests.factories import CourseFactory, StudentFactory
from tests.grader.conftest import assignment_make
from tests.grader.graded import shifted_predictions, upload
from tests.lifecycle.fingerprint import site_fingerprint
from tests.quizzes.conftest import SINGLE

pytestmark = [pytest.mark.integration, pytest.mark.services]


def _restored_env(folder: Path) -> dict[str, str]:
    """A fresh site of its own: DATA_DIR in a new folder and, on PostgreSQL, a new database."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "MEDIA_ROOT"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(folder), PYTHONUNBUFFERED="1")
    env.pop("PLATFORM_TEST_SUBPROCESS", None)
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = _restore_database_url()
    else:
        env.pop("DATABASE_URL", None)
    return env


def _restore_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_restore"))


def _fresh_database() -> None:
    if connection.vendor != "postgresql":
        return
    name = urlsplit(_restore_database_url()).path.lstrip("/")
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')


@pytest.fixture
def restore_database_dropped(transactional_db):
    """On PostgreSQL: the restore's own database is dropped afterwards (the server is shared)."""
    yield
    if connection.vendor == "postgresql":
        name = urlsplit(_restore_database_url()).path.lstrip("/")
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _restore_and_fingerprint(archive: Path, folder: Path) -> dict:
    _fresh_database()
    env = _restored_env(folder)
    assert "Restored the backup" in _manage(env, "restore", str(archive))
    out = _manage(env, "shell", "-c", "from tests.lifecycle.fingerprint import main; main()")
    return json.loads(out.split("FINGERPRINT ", 1)[1])


def _fingerprint() -> dict:
    return json.loads(json.dumps(site_fingerprint(), sort_keys=True))


class Players(threading.Thread):
    """Students joining a live game and answering its open question, one after another."""

    def __init__(self, game: Game, codes: list[str]) -> None:
        super().__init__(daemon=True)
        self.game, self.codes, self.answered, self.error = game, codes, 0, None

    def run(self) -> None:
        try:
            for code in self.codes:
                seat = player_join(game=self.game, neptun_code=code)
                live = live_question(game=Game.objects.get(pk=self.game.pk))
                assert live is not None
                answer_record(
                    live=live,
                    player_id=seat.player.id,
                    variant=None,
                    picks=[0],
                    received_at=timezone.now(),
                )
                self.answered += 1
                time.sleep(0.02)
        except Exception as error:  # noqa: BLE001 (reported by the test)
            self.error = error
        finally:
            connections.close_all()


@pytest.fixture
def busy_course(celery_worker, instructor):
    """A second course where, while the backup runs, the worker grades uploads and students answer."""
    course = CourseFactory(code="BUSY01")
    enrollment_set(course=course, user=instructor, role=Role.INSTRUCTOR)
    students = []
    for i in range(40):
        student = StudentFactory(neptun_code=f"B{i:05d}", username=f"B{i:05d}")
        enrollment_set(course=course, user=student, role=Role.STUDENT)
        students.append(student)
    assignment = assignment_make(course, title="Fever under load")
    quiz = Quiz.objects.create(title="Live", course=course, owner=instructor)
    question_save(
        quiz=quiz, user=instructor, draft=SINGLE.__class__(**{**SINGLE.__dict__, "time_limit": 240})
    )
    game = game_create(quiz=quiz, host=instructor, course=course)
    game_advance(game_id=game.id, from_phase="lobby", from_index=-1)
    return course, students, assignment, game


def test_backup_during_grading_and_answering_restores_identically(
    scenario, busy_course, tmp_path, celery_worker, restore_database_dropped
):
    course, students, assignment, game = busy_course
    before = _fingerprint()
    for student in students[:6]:
        upload(assignment, student, shifted_predictions(assignment, 0.1))
    players = Players(game, [s.neptun_code for s in students])
    players.start()
    while players.answered < 5 and players.is_alive():
        time.sleep(0.01)
    answered_before = players.answered
    during = site_backup(out_path=tmp_path / "during.tar.gz")
    answered_after = players.answered
    players.join(timeout=120)
    assert players.error is None, players.error
    deadline = time.monotonic() + 180
    while (
        time.monotonic() < deadline
        and assignment.submissions.exclude(status__in=["scored", "failed"]).exists()
    ):
        time.sleep(0.5)
    after = _fingerprint()
    assert players.answered == 40 and Answer.objects.filter(game=game).count() == 40

    restored = _restore_and_fingerprint(during.path, tmp_path / "site-during")
    # The settled course comes back exactly: gradebook, every file and score, every seat and answer.
    assert (
        restored["gradebooks"]["VITMMA19"]
        == before["gradebooks"]["VITMMA19"]
        == after["gradebooks"]["VITMMA19"]
    )
    settled = {k: v for k, v in before["submissions"].items() if v[0] == "VITMMA19"}
    assert {k: v for k, v in restored["submissions"].items() if v[0] == "VITMMA19"} == settled
    # What was in motion comes back as one moment of it: every row finds its file with its checksum, a
    # scored submission has the score the worker gave it, every answer is one that was given.
    for key, row in restored["submissions"].items():
        assert row[3] == row[2], f"submission {key}: file {row[3]} but row says {row[2]}"
        if row[4] == "scored":
            assert row[5:] == after["submissions"][key][5:]
    for key, row in restored["answers"].items():
        assert row == after["answers"][key]
    # The database was copied while the backup ran: after the answers given before it, before the later ones.
    restored_busy = sum(1 for row in restored["answers"].values() if row[0] == game.pk)
    assert answered_before <= restored_busy <= answered_after

    # Once the work has stopped, a backup restores everything identically.
    quiet = site_backup(out_path=tmp_path / "quiet.tar.gz")
    assert _restore_and_fingerprint(quiet.path, tmp_path / "site-quiet") == _fingerprint()


@pytest.mark.django_db
def test_restore_refuses_a_site_with_data_and_a_damaged_archive(scenario, tmp_path):
    archive = site_backup(out_path=tmp_path / "site.tar.gz").path
    with pytest.raises(PlatformError, match="not empty"):
        site_restore(archive_path=archive)
    # A file changed inside the archive: the checksum in the manifest catches it, nothing is restored.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("media/grader/submissions/"):
                data = data.replace(b"ABC123", b"ZZZ999")
            member.size = len(data)
            target.addfile(member, __import__("io").BytesIO(data))
    with pytest.raises(PlatformError, match="Checksum mismatch"):
        site_restore(archive_path=damaged, force=True)


@pytest.mark.django_db
def test_the_backup_lists_every_media_file_with_its_checksum(scenario, tmp_path):
    summary = site_backup(out_path=tmp_path / "b.tar.gz")
    media = Path(settings.MEDIA_ROOT)
    on_disk = {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}
    listed = {
        e["path"].removeprefix("media/") for e in summary.manifest["files"] if e["path"].startswith("media/")
    }
    assert listed == on_disk and {"grader/submissions", "projects"} <= {
        "/".join(p.split("/")[:2]) for p in listed
    } | {p.split("/")[0] for p in listed}
    assert not (tmp_path / "b.tar.gz.partial").exists()
    assert summary.manifest["engine"] == connection.vendor
    assert timezone.now() - timedelta(minutes=5) < timezone.datetime.fromisoformat(
        summary.manifest["started_at"]
    )
