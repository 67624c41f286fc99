"""A student on a phone finds "My data" in the menu and downloads their own zip; the page fits the phone."""

import json
import zipfile

import pytest

from tests.e2e.pages import PHONE, log_in
from tests.gradebook.scenario import scenario_build

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_a_student_downloads_their_data_on_a_phone(
    browser, asgi_server, course, student, other_student, instructor, artifacts_dir, tmp_path
):
    scenario_build(course=course, student=student, other_student=other_student, instructor=instructor)
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True)
    page = phone.new_page()
    log_in(page, asgi_server.url, "abc123", ready="#courses")
    page.get_by_role("link", name="My data").click()
    page.wait_for_selector("#my-data-download")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts_dir / "1-my-data-phone.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#my-data-download")
    download = download_info.value
    assert download.suggested_filename.startswith("my-data-ABC123-")
    path = tmp_path / "mine.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("account.json"))["neptun_code"] == "ABC123"
        assert json.loads(archive.read("quizzes/games.json"))[0]["score"] == 1500
        assert not any(b"XYZ789" in archive.read(name) for name in archive.namelist())
    phone.close()
