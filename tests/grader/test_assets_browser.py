"""The assignment's files on the page students use, in headless Chromium against a real ASGI process: listed
with their description on a phone (no sideways scrolling) and on a desktop, and downloaded as sent."""

from __future__ import annotations

import io
import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from grader.assets import asset_add
from tests.conftest import asgi_server_start
from tests.e2e.pages import DESKTOP, PHONE, log_in
from tests.gradebook.scenario import assignment_make

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.services]

DESCRIPTION = (
    "The pretrained backbone as TorchScript: torch.jit.load(path) needs no Python class. Input: uint8 "
    "patches (N, 1, 32, 32) -> float32 x / 255 -> gray repeated to 3 channels (R, G, B) -> per channel "
    "(x - mean) / std with mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225) (ImageNet's)."
)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_student_sees_the_assignments_files_and_downloads_one(
    browser, transactional_db, course, student, tmp_path, artifacts_dir, viewport
):
    assignment = assignment_make(course, title="HW4", deadline=timezone.now() + timedelta(days=7))
    content = b"\x80weights of the backbone" * 100
    asset_add(
        assignment=assignment,
        by=None,
        upload=io.BytesIO(content),
        name="backbone_torchscript.pt",
        description=DESCRIPTION,
    )
    server = asgi_server_start(tmp_path)
    size = PHONE if viewport == "phone" else DESKTOP
    context = browser.new_context(viewport=size, is_mobile=viewport == "phone", accept_downloads=True)
    try:
        page = context.new_page()
        log_in(page, server.url, "abc123")
        page.goto(f"{server.url}/grader/assignments/{assignment.pk}/")
        files = page.locator("#assets")
        files.wait_for()
        text = files.inner_text()
        assert "backbone_torchscript.pt" in text and "(0.485, 0.456, 0.406)" in text and "/assets" in text
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1
        page.screenshot(path=str(artifacts_dir / f"assets-{viewport}.png"), full_page=True)
        with page.expect_download() as download:
            page.click("#assets a[download]")
        saved = tmp_path / "downloaded.pt"
        download.value.save_as(saved)
        assert download.value.suggested_filename == "backbone_torchscript.pt"
        assert saved.read_bytes() == content
    finally:
        context.close()
        server.process.kill(signal.SIGTERM)
