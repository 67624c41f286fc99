"""A Hungarian student plays a two-question game on the phone and reads the JavaScript's texts in Hungarian
(through /jsi18n/) and the server's errors in Hungarian (made on the server in the phone's language), while
the English host's screen stays English."""

import pytest
from playwright.sync_api import expect

from accounts.services import user_language_set
from quizzes.authoring import QuestionDraft
from quizzes.models import Quiz
from quizzes.services import game_create, question_save
from tests.quizzes.conftest import choices

pytestmark = [pytest.mark.e2e, pytest.mark.services]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "en-US"}


def log_in(page, url: str, username: str) -> None:
    page.goto(url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_hungarian_phone_shows_the_live_quiz_in_hungarian(
    browser, asgi_server, instructor, course, student, artifacts_dir
):
    user_language_set(user=student, language="hu")  # the account's choice; the phone's browser is English
    quiz = Quiz.objects.create(title="Lecture 5: CNNs", course=course, owner=instructor)
    draft = QuestionDraft(kind="single", text="Which layer shares its weights across positions?",
                          choices=choices("Convolution", "Dense"), time_limit=60)  # fmt: skip
    question_save(quiz=quiz, user=instructor, draft=draft)
    number = QuestionDraft(kind="numeric", text="How many outputs has a 10-class classifier?",
                           answer_number=10, time_limit=60)  # fmt: skip
    question_save(quiz=quiz, user=instructor, draft=number)
    game = game_create(quiz=quiz, host=instructor, course=course)

    host = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    log_in(host, asgi_server.url, "instructor")
    host.goto(asgi_server.url + f"/quizzes/games/{game.id}/host/")

    phone = browser.new_context(**PHONE).new_page()
    log_in(phone, asgi_server.url, "ABC123")
    phone.goto(asgi_server.url + f"/quizzes/play/?pin={game.pin}")
    phone.fill("#neptun", "abc")  # the page fills in the account's code; a short one is refused by play.js
    phone.click("#join-button")
    assert phone.inner_text("#join-error") == "A Neptun-kód 6 betű és számjegy, pl. ABC123."  # play.js
    phone.fill("#neptun", "abc123")
    phone.click("#join-button")
    phone.wait_for_selector("#lobby-screen:not([hidden])")
    expect(host.locator("#player-count")).to_have_text("1")

    host.click("#start")
    phone.wait_for_selector("#question-screen:not([hidden]) .tile")
    assert phone.inner_text("#q-number") == "1. kérdés (összesen 2)"
    assert phone.get_attribute("#tiles .tile.red", "aria-label") == "háromszög: Convolution"
    expect(host.locator("#q-number")).to_have_text("Question 1 of 2")  # the host's account is English
    phone.click("#tiles .tile.red")
    phone.wait_for_selector("text=Válasz elküldve ✔ — várd meg az eredményt.")

    host.wait_for_selector("#reveal-screen:not([hidden])")
    assert host.inner_text("#r-number") == "Question 1"
    phone.wait_for_selector("#reveal-screen:not([hidden])")
    assert phone.inner_text("#r-result") == "Helyes ✔"
    assert phone.inner_text("#r-points").endswith(" pont")
    phone.screenshot(path=str(artifacts_dir / "phone-hu-reveal.png"))
    host.click("#to-scoreboard")
    host.wait_for_selector("#scoreboard-screen:not([hidden])")
    host.click("#next")

    # The server's answer errors ("… is not a number", "Type a number" …) once reached the phone in English.
    phone.wait_for_selector("#answer-text:visible")
    assert phone.inner_text("#q-number") == "2. kérdés (összesen 2)"
    phone.fill("#answer-text", "tíz")
    phone.click("#typed button")
    expect(phone.locator("#q-status")).to_have_text("„tíz” nem szám. Írj be például 3,5-öt vagy -2-t.")
    expect(phone.locator("#typed button")).to_be_enabled()  # an unreadable number can be sent again
    phone.fill("#answer-text", "10")
    phone.click("#typed button")
    expect(phone.locator("#q-status")).to_have_text("Válasz elküldve ✔ — várd meg az eredményt.")
    host.wait_for_selector("#reveal-screen:not([hidden])")
    host.click("#to-scoreboard")
    host.wait_for_selector("#scoreboard-screen:not([hidden])")
    assert host.inner_text("#next") == "Podium"
    for page in (host, phone):
        page.context.close()
