"""The lock-out as a student sees it: headless Chromium against the real ASGI server (issue 10 §8)."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_after_too_many_wrong_passwords_the_phone_shows_the_lock_and_the_right_password_fails(
    browser, asgi_server, student, artifacts_dir
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="hu-HU")
    page = context.new_page()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.goto(asgi_server.url + "/accounts/login/")
        page.fill("#id_username", "abc123" if attempt % 2 else " ABC123")
        page.fill("#id_password", f"guess-{attempt}")
        page.click("button[type=submit]")
        page.wait_for_selector("#id_password")
    page.fill("#id_username", "ABC123")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=alert]")
    alert = page.inner_text("[role=alert]")
    assert "Túl sok hibás jelszó" in alert and "15 percet" in alert
    page.screenshot(path=str(artifacts_dir / "locked-out-phone-hu.png"), full_page=True)
    page.goto(asgi_server.url + "/")
    assert "/accounts/login/" in page.url  # not logged in
    context.close()
