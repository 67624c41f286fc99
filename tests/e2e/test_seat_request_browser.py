"""A seat cannot be stolen by typing a code: in headless Chromium, a second phone that types a seated
student's Neptun code waits, the host screen shows its request, and the host approves or denies it."""

import pytest

from quizzes.models import Quiz
from quizzes.services import game_create, question_save
from tests.quizzes.conftest import SINGLE

pytestmark = [pytest.mark.e2e, pytest.mark.services]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def phone_join(browser, url: str, pin: str, code: str):
    page = browser.new_context(**PHONE).new_page()
    page.goto(url + f"/quizzes/play/?pin={pin}")
    page.fill("#neptun", code)
    page.click("#join-button")
    return page


def test_a_second_phone_waits_for_the_host_who_approves_or_denies_it(
    browser, asgi_server, instructor, course, student, artifacts_dir
):
    quiz = Quiz.objects.create(title="Seats", course=course, owner=instructor)
    question_save(quiz=quiz, user=instructor, draft=SINGLE)
    game = game_create(quiz=quiz, host=instructor, course=course)
    host = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    host.goto(asgi_server.url + "/accounts/login/")
    host.fill("#id_username", "instructor")
    host.fill("#id_password", "correct-horse-battery")
    host.click("button[type=submit]")
    host.goto(asgi_server.url + f"/quizzes/games/{game.id}/host/")
    assert host.locator("#seat-requests").is_hidden()

    owner = phone_join(browser, asgi_server.url, game.pin, "ABC123")
    owner.wait_for_selector("#lobby-screen:not([hidden])")
    thief = phone_join(browser, asgi_server.url, game.pin, "abc123")
    thief.wait_for_selector("#join-error:has-text('host has been asked')")
    assert thief.locator("#lobby-screen").is_hidden()
    host.wait_for_selector("#seat-requests:not([hidden]) li")
    assert "ABC123 asks to continue on another device" in host.inner_text("#seat-request-list")
    host.screenshot(path=str(artifacts_dir / "host-seat-request.png"))
    host.click("#seat-request-list button[data-action=deny]")
    thief.wait_for_selector("#join-error:has-text('did not move the seat')")
    assert thief.is_enabled("#join-button")
    host.wait_for_selector("#seat-requests", state="hidden")
    assert owner.locator("#lobby-screen").is_visible()  # the owner never noticed

    new_phone = phone_join(browser, asgi_server.url, game.pin, "ABC123")
    host.wait_for_selector("#seat-requests:not([hidden]) li")
    host.click("#seat-request-list button[data-action=approve]")
    new_phone.wait_for_selector("#lobby-screen:not([hidden])")
    owner.wait_for_selector("#gone-screen:not([hidden])")
    assert "another device" in owner.inner_text("#gone-message")
    new_phone.screenshot(path=str(artifacts_dir / "phone-seat-approved.png"))
