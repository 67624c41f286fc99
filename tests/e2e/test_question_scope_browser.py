"""The generator scope in headless Chromium: the question form's field and live preview, and the
practice page's toggle on a phone."""

import signal

import pytest

from quizzes.models import Quiz
from tests.conftest import asgi_server_start
from tests.e2e.pages import PASSWORD, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.services]


@pytest.fixture
def server(transactional_db, tmp_path):
    server = asgi_server_start(tmp_path)
    yield server
    server.process.kill(signal.SIGTERM)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_the_scope_shows_for_parametric_questions_drives_the_preview_and_is_saved(
    browser, server, instructor, course, artifacts_dir
):
    quiz = Quiz.objects.create(title="Lecture 7", course=course, owner=instructor)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.url, "instructor")
    page.goto(server.url + f"/quizzes/{quiz.id}/questions/new/")
    page.select_option("#id_kind", "single")
    assert not page.locator("#id_scope").is_visible()
    page.select_option("#id_kind", "parametric")
    assert page.locator("#id_scope").is_visible() and page.input_value("#id_scope") == "lecture"
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/preview/" in r.url else None)
    page.select_option("#id_generator", "conv2d_output_shape")
    page.wait_for_selector("#generator-preview:not([hidden]) #preview-answer:has-text('= ')")
    with page.expect_response(lambda r: "scope=advanced" in r.url):
        page.select_option("#id_scope", "advanced")
    assert any("scope=lecture" in url for url in asked) and any("scope=advanced" in url for url in asked)
    page.screenshot(path=str(artifacts_dir / "question-form-scope.png"), full_page=True)
    with page.expect_navigation():
        page.click("form[enctype] button[type=submit]")
    assert quiz.questions.get().scope == "advanced"


def test_practice_toggles_to_the_advanced_forms_and_back_on_a_phone(browser, server, student, artifacts_dir):
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, server.url, "ABC123")
    page.goto(server.url + "/quizzes/practice/conv2d_output_shape/")
    assert "divisions come out whole" in page.inner_text("#practice-scope")
    page.click("#practice-scope a")
    page.wait_for_url(lambda url: url.endswith("?scope=advanced"))
    assert "Advanced forms included" in page.inner_text("#practice-scope")
    page.fill("#answer", "1@1x1")
    with page.expect_navigation():
        page.click("#practice-form button[type=submit]")
    # After an answer the next exercise stays in the advanced scope.
    assert page.url.endswith("?scope=advanced") and page.locator("#feedback").is_visible()
    assert "Advanced forms included" in page.inner_text("#practice-scope")
    page.screenshot(path=str(artifacts_dir / "practice-scope-phone.png"), full_page=True)
    page.click("#practice-scope a")
    page.wait_for_url(lambda url: url.endswith("?scope=lecture"))
    assert "divisions come out whole" in page.inner_text("#practice-scope")
