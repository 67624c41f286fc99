"""A full media disk (issue 18 §5, §6): the student is told what happened, the API answers JSON, nothing
half-written is left behind, /healthz says so, and uploads work again once there is space.

A real 1 MiB tmpfs is the media folder of a real ASGI process (the tests run as root, as CI does).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from grader.models import Submission
from tests.conftest import asgi_server_start
from tests.grader.conftest import assignment_make
from tests.grader.http_upload import api_request, api_upload, predictions_good

pytestmark = [pytest.mark.integration, pytest.mark.services]


@pytest.fixture
def tiny_media(tmp_path):
    """A 1 MiB tmpfs, filled up but for ``free`` bytes by ``fill(free)``."""
    folder = tmp_path / "media"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], check=True)
    filler = folder / "filler"

    def fill(free: int) -> None:
        filler.unlink(missing_ok=True)
        with filler.open("wb", buffering=0) as out:
            try:
                while True:
                    out.write(b"\0" * 4096)
            except OSError as error:
                assert error.errno == errno.ENOSPC
        os.truncate(filler, max(0, filler.stat().st_size - free))

    try:
        yield folder, fill
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _files(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if not path.is_dir()}


def _long_predictions() -> bytes:
    """A valid file of about 14 KB (long decimals), larger than the space left."""
    return predictions_good(value="37." + "5" * 60)


def test_a_full_media_disk_is_a_json_503_that_stores_nothing_and_shows_on_healthz(
    transactional_db, course, student, tmp_path, tiny_media
):
    folder, fill = tiny_media
    assignment = assignment_make(course, task="fever-regression")
    token = Token.objects.create(user=student).key
    server = asgi_server_start(tmp_path, MEDIA_ROOT=str(folder), HEALTH_MIN_FREE_MB="1")
    try:
        before = Submission.objects.count()
        for free in (0, 8192):  # nothing left, and room for part of the file
            fill(free)
            status, body, kind, _ = api_upload(
                server.url, assignment_id=assignment.pk, token=token, content=_long_predictions()
            )
            assert status == 503 and "application/json" in kind, (status, body)
            assert body and body["code"] == "upload_storage_full" and "disk is full" in body["detail"]
            assert _files(folder) == {"filler"}, "nothing half-written is left behind"
            assert Submission.objects.count() == before

        status, health, _, _ = api_request(f"{server.url}/healthz", token=token)
        assert status == 200 and health and health["status"] == "degraded"
        assert health["disk"]["ok"] is False and health["disk"]["media_free_mb"] < 1

        fill(512 * 1024)  # space again: the same upload is stored
        status, body, _, _ = api_upload(
            server.url, assignment_id=assignment.pk, token=token, content=_long_predictions()
        )
        assert status == 201, body
        stored = Submission.objects.get(pk=body["id"])
        assert stored.file.name in _files(folder) and len(_files(folder)) == 2
    finally:
        server.process.kill(signal.SIGTERM)


def test_the_upload_page_says_the_disk_is_full(db, course, student, tiny_media):
    folder, fill = tiny_media
    assignment = assignment_make(course, task="fever-regression")
    fill(0)
    client = Client()
    client.force_login(student)
    with override_settings(MEDIA_ROOT=str(folder)):
        upload = SimpleUploadedFile("predictions.csv", _long_predictions(), content_type="text/csv")
        page = client.post(f"/grader/assignments/{assignment.pk}/", {"file": upload})
    assert page.status_code == 400
    assert "disk is full" in page.content.decode()
    assert _files(folder) == {"filler"}
    assert not Submission.objects.filter(assignment=assignment, user=student).exists()


class _Broken:
    """Content that fails after its first chunk, as a read from a dropped connection does."""

    def seek(self, offset: int) -> None:
        pass

    def chunks(self):
        yield b"half of a file"
        raise OSError(errno.EIO, "Input/output error")


def test_the_storage_never_leaves_a_half_written_or_temporary_file(tmp_path):
    from django.core.files.base import ContentFile

    from core.storage import AtomicFileSystemStorage

    storage = AtomicFileSystemStorage(location=str(tmp_path), file_permissions_mode=0o640)
    first = storage.save("grader/a.csv", ContentFile(b"first"))
    second = storage.save("grader/a.csv", ContentFile(b"second"))  # a taken name gets another one
    assert first == "grader/a.csv" and second != first
    assert storage.open(first).read() == b"first" and storage.open(second).read() == b"second"
    assert oct((tmp_path / first).stat().st_mode & 0o777) == "0o640"
    with pytest.raises(OSError):
        storage.save("grader/b.csv", _Broken())
    assert _files(tmp_path) == {"grader/a.csv", f"{second}"}, "no partial or temporary file remains"
