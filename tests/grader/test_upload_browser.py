"""What a student sees on a phone when a server blinks, in headless Chromium against a real ASGI process:
the grading queue down (the upload is kept and "Grading is delayed"), and the media disk full (a clear
message, nothing stored)."""

from __future__ import annotations

import signal

import pytest

from grader.models import Submission, SubmissionStatus
from tests.conftest import asgi_server_start, free_port
from tests.e2e.pages import PHONE, log_in
from tests.grader.conftest import assignment_make
from tests.grader.http_upload import predictions_good
from tests.grader.test_disk_full import tiny_media  # noqa: F401 - the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.services]


def _upload_on_a_phone(browser, server_url: str, assignment_id: int, path, shot) -> str:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, server_url, "abc123")
    page.goto(f"{server_url}/grader/assignments/{assignment_id}/")
    page.set_input_files("#upload-form input[type=file]", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state("load")
    text = page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.screenshot(path=str(shot), full_page=True)
    context.close()
    return text


def test_a_student_on_a_phone_is_told_grading_is_delayed_while_the_queue_is_down(
    browser, transactional_db, course, student, tmp_path, artifacts_dir
):
    assignment = assignment_make(course, task="fever-regression")
    dead = f"redis://127.0.0.1:{free_port()}/0"
    server = asgi_server_start(tmp_path, CELERY_BROKER_URL=dead, CELERY_RESULT_BACKEND=dead)
    path = tmp_path / "my-predictions.csv"
    path.write_bytes(predictions_good())
    try:
        text = _upload_on_a_phone(
            browser, server.url, assignment.pk, path, artifacts_dir / "delayed-phone.png"
        )
    finally:
        server.process.kill(signal.SIGTERM)
    assert "Received my-predictions.csv." in text and "Grading is delayed" in text
    submission = Submission.objects.get(assignment=assignment, user=student)
    assert submission.status == SubmissionStatus.QUEUED and submission.send_failed_at is not None
    assert submission.file.storage.exists(submission.file.name)


def test_a_student_on_a_phone_is_told_the_disk_is_full(
    browser,
    transactional_db,
    course,
    student,
    tmp_path,
    artifacts_dir,
    tiny_media,  # noqa: F811
):
    folder, fill = tiny_media
    assignment = assignment_make(course, task="fever-regression")
    fill(0)
    server = asgi_server_start(tmp_path, MEDIA_ROOT=str(folder))
    path = tmp_path / "my-predictions.csv"
    path.write_bytes(predictions_good())
    try:
        text = _upload_on_a_phone(
            browser, server.url, assignment.pk, path, artifacts_dir / "disk-full-phone.png"
        )
    finally:
        server.process.kill(signal.SIGTERM)
    assert "disk is full" in text and "Nothing was saved" in text
    assert not Submission.objects.filter(assignment=assignment, user=student).exists()
    assert {p.name for p in folder.rglob("*") if p.is_file()} == {"filler"}
