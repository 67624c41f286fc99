"""The lecture hall in headless Chromium: the projector at 1920×1080 (and 1280×720) and phones at 390×844.

Get-ready countdown, timer bar, answer count, sound cues, tiles without broken words, the phone's reveal
(own answer, right answer, points), the parametric reveal with the mistake breakdown, the top-5 podium
without Neptun codes or names, and the login round trip of a verified game.
"""

import signal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import enrollment_set
from quizzes.authoring import QuestionDraft
from quizzes.models import Game, Quiz
from quizzes.selectors import game_question, player_variant
from quizzes.services import game_create, question_save
from tests.conftest import asgi_server_start
from tests.e2e.pages import PASSWORD, PHONE
from tests.factories import StudentFactory
from tests.quizzes.conftest import choices

pytestmark = [pytest.mark.e2e, pytest.mark.services]

PROJECTOR = {"width": 1920, "height": 1080}
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
CODES = ("ABC123", "XYZ789", "QWE456")

# Each word of each tile is laid out on one line (a word split over two lines has two client rects).
BROKEN_WORDS = """() => {
  const broken = [];
  for (const tile of document.querySelectorAll('#tiles .tile span:last-child')) {
    const node = tile.firstChild; if (!node) continue;
    const text = node.textContent; const re = /\\S+/g; let m;
    while ((m = re.exec(text))) {
      const range = document.createRange();
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


@pytest.fixture
def hall_server(transactional_db, tmp_path):
    server = asgi_server_start(tmp_path, QUIZ_GET_READY_S="3")
    yield server
    server.process.kill(signal.SIGTERM)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_projector_and_phones_through_a_lecture_quiz(browser, hall_server, instructor, course, artifacts_dir):
    for code in CODES:
        user = StudentFactory(neptun_code=code, username=code, full_name=f"Student {code}")
        enrollment_set(course=course, user=user, role=Role.STUDENT)
    quiz = Quiz.objects.create(title="Lecture 6: normalisation", course=course, owner=instructor)
    for draft in (
        QuestionDraft(kind="single", text="Which layer normalises over the batch, per channel?",
                      time_limit=30,
                      choices=choices("BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm2d")),
        QuestionDraft(kind="parametric", generator="conv2d_parameters", time_limit=60),
    ):  # fmt: skip
        question_save(quiz=quiz, user=instructor, draft=draft)
    game = game_create(quiz=quiz, host=instructor, course=course)

    host = browser.new_context(viewport=PROJECTOR).new_page()
    log_in(host, hall_server.url, "instructor")
    host.goto(hall_server.url + f"/quizzes/games/{game.id}/host/")
    # Projector mode: no site header or account links; PIN and QR readable from the back row.
    assert host.locator(".site-header").count() == 0 and host.locator("text=Log out").count() == 0
    assert float(host.eval_on_selector("#pin", "e => parseFloat(getComputedStyle(e).fontSize)")) >= 120
    assert host.eval_on_selector(".qr svg", "e => e.getBoundingClientRect().width") >= 400
    host.set_viewport_size({"width": 1280, "height": 720})
    assert host.evaluate("document.documentElement.scrollWidth") <= 1280
    assert host.eval_on_selector(".qr svg", "e => e.getBoundingClientRect().bottom") <= 720
    host.screenshot(path=str(artifacts_dir / "hall-projector-lobby-1280x720.png"))
    host.set_viewport_size(PROJECTOR)

    phones = {}
    for code in CODES:
        page = browser.new_context(**PHONE_CONTEXT).new_page()
        page.goto(hall_server.url + f"/quizzes/play/?pin={game.pin}")
        page.fill("#neptun", code)
        page.click("#join-button")
        page.wait_for_selector("#lobby-screen:not([hidden])")
        phones[code] = page
    a, b, c = (phones[code] for code in CODES)
    expect(host.locator("#player-count")).to_have_text("3")
    assert "AB•••3" in host.inner_text("#players") and "ABC123" not in host.inner_text("#players")
    host.screenshot(path=str(artifacts_dir / "hall-projector-lobby-1920x1080.png"))

    # Question 1: "get ready" first, on the projector and the phones; then the tiles and the clock.
    host.click("#start")
    host.wait_for_selector("#ready:not([hidden])")
    assert host.inner_text("#ready-count") in {"1", "2", "3"}
    assert "batch" in host.inner_text("#q-text")
    host.screenshot(path=str(artifacts_dir / "hall-projector-get-ready.png"))
    a.wait_for_selector("#p-ready:not([hidden])")
    assert a.locator("#tiles").is_hidden()
    a.screenshot(path=str(artifacts_dir / "hall-phone-get-ready.png"))
    for page in phones.values():
        page.wait_for_selector("#tiles:not([hidden]) .tile")
    host.wait_for_selector("#ready", state="hidden")
    # The timer bar shrinks.
    first = host.eval_on_selector("#timer-fill", "e => e.getBoundingClientRect().width")
    host.wait_for_timeout(1200)
    assert 0 < host.eval_on_selector("#timer-fill", "e => e.getBoundingClientRect().width") < first
    # The phone: tiles fill the screen and no word is broken ("BatchNo rm2d").
    assert a.evaluate(BROKEN_WORDS) == []
    a.wait_for_timeout(100)  # the tiles are sized to the screen on the next frame
    box = a.eval_on_selector("#tiles", "e => e.getBoundingClientRect().toJSON()")
    assert box["height"] >= 0.5 * PHONE["height"] and box["bottom"] <= PHONE["height"]  # fills, all in view
    assert a.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    a.screenshot(path=str(artifacts_dir / "hall-phone-tiles.png"))
    a.click("#tiles .tile.red")
    expect(host.locator("#answered")).to_have_text("1")
    # Waits by locator: the page's Content-Security-Policy forbids the eval a string wait_for_function needs.
    expect(host.locator("#answer-bar")).to_have_attribute("aria-valuenow", "33")  # 1 of 3 answered
    assert host.locator("#answer-fill").evaluate("e => parseFloat(e.style.width)") > 30
    host.screenshot(path=str(artifacts_dir / "hall-projector-question.png"))
    b.click("#tiles .tile.blue")
    c.click("#tiles .tile.red")
    host.wait_for_selector("#reveal-screen:not([hidden])")
    labels = host.inner_text("#r-bars")
    assert "✔ Correct ✔" not in labels and labels.count("✔") == 1  # one tick, on BatchNorm2d's bar
    b.wait_for_selector("#reveal-screen:not([hidden])")
    assert "LayerNorm" in b.inner_text("#r-mine") and "BatchNorm2d" in b.inner_text("#r-right")
    assert "+0 points" in b.inner_text("#r-points")
    a.wait_for_selector("#reveal-screen:not([hidden])")
    assert "BatchNorm2d" in a.inner_text("#r-mine") and "points" in a.inner_text("#r-points")
    b.screenshot(path=str(artifacts_dir / "hall-phone-reveal.png"))
    host.click("#to-scoreboard")
    host.wait_for_selector("#scoreboard-screen:not([hidden])")

    # Question 2, parametric: one right, two make their variant's first named mistake.
    host.click("#next")
    game = Game.objects.get(id=game.id)
    question = game_question(game=game, index=1)
    mistakes = set()
    for code, page in phones.items():
        page.wait_for_selector("#typed:not([hidden])")
        variant = player_variant(game=game, question=question, neptun_code=code)
        text = variant.answer if code == "ABC123" else variant.distractors[0].text
        if code != "ABC123":
            mistakes.add(variant.distractors[0].mistake)
        page.fill("#answer-text", text)
        page.click("#typed button")
    host.wait_for_selector("#reveal-screen:not([hidden]) #r-parametric:not([hidden])")
    assert "33% answered correctly (1 of 3)" in host.inner_text("#r-share")
    button_bottom = host.eval_on_selector("#to-scoreboard", "e => e.getBoundingClientRect().bottom")
    assert button_bottom <= PROJECTOR["height"]  # the host's next step in view, no scrolling
    shown = host.inner_text("#r-mistakes")
    assert all(mistake in shown for mistake in mistakes)
    assert host.inner_text("#r-example .example-answer").startswith("= ")
    host.screenshot(path=str(artifacts_dir / "hall-projector-parametric-reveal.png"))
    b.wait_for_selector("#reveal-screen:not([hidden])")
    right = player_variant(game=game, question=question, neptun_code="XYZ789").answer
    assert b.inner_text("#r-right") == right
    host.click("#to-scoreboard")
    host.wait_for_selector("#scoreboard-screen:not([hidden])")
    host.click("#next")

    # The podium: the top 5 at most, masked codes, no names; the full results stay on the staff page.
    host.wait_for_selector("#finished-screen:not([hidden])")
    body = host.inner_text("body")
    assert "AB•••3" in host.inner_text("#podium")
    assert not any(code in body or f"Student {code}" in body for code in CODES)
    host.screenshot(path=str(artifacts_dir / "hall-projector-podium.png"))
    a.wait_for_selector("#finished-screen:not([hidden])")
    assert "ABC123" not in a.inner_text("#f-podium")

    # Sound cues were made (Web Audio, no files), and the switch turns them off.
    played = host.evaluate("window.hallSound.played()")
    assert {"tick", "go", "reveal"} <= set(played)
    host.click("#sound")
    assert host.evaluate("window.hallSound.enabled()") is False and "off" in host.inner_text("#sound")
    host.reload()
    assert host.evaluate("window.hallSound.enabled()") is False


def test_a_phone_not_logged_in_gets_a_login_link_back_to_the_same_pin(
    browser, hall_server, instructor, course, student, artifacts_dir
):
    quiz = Quiz.objects.create(title="Graded quiz", course=course, owner=instructor)
    question_save(quiz=quiz, user=instructor,
                  draft=QuestionDraft(kind="single", text="Pick", choices=choices("A", "B")))  # fmt: skip
    game = game_create(quiz=quiz, host=instructor, course=course, verified=True)
    phone = browser.new_context(**PHONE_CONTEXT).new_page()
    phone.goto(hall_server.url + f"/quizzes/play/?pin={game.pin}")
    phone.wait_for_selector("#login-first:not([hidden])")
    phone.screenshot(path=str(artifacts_dir / "hall-phone-login-first.png"))
    phone.click("#login-link")
    phone.fill("#id_username", "ABC123")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"**/quizzes/play/?pin={game.pin}")
    assert phone.input_value("#pin") == game.pin and phone.input_value("#neptun") == "ABC123"
    assert phone.locator("#login-first").is_hidden()
    phone.click("#join-button")
    phone.wait_for_selector("#lobby-screen:not([hidden])")
    assert "ABC123" in phone.inner_text("#lobby-screen")


def test_the_question_form_shows_only_the_chosen_types_fields(
    browser, hall_server, instructor, course, artifacts_dir
):
    quiz = Quiz.objects.create(title="Lecture 7", course=course, owner=instructor)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, hall_server.url, "instructor")
    page.goto(hall_server.url + f"/quizzes/{quiz.id}/questions/new/")
    visible = lambda name: page.locator(f"#id_{name}").is_visible()  # noqa: E731
    page.select_option("#id_kind", "single")
    assert visible("choices") and visible("text")
    assert not visible("answer_number") and not visible("generator")
    page.select_option("#id_kind", "numeric")
    assert visible("answer_number") and visible("tolerance") and not visible("choices")
    # Required fields are said before submitting: an empty numeric answer stops the browser, not the server.
    page.fill("#id_text", "Output width?")
    page.click("form[enctype] button[type=submit]")
    assert page.eval_on_selector("#id_answer_number", "e => e.validity.valueMissing")
    assert page.url.endswith("/questions/new/") and quiz.questions.count() == 0
    page.select_option("#id_kind", "parametric")
    assert visible("generator") and visible("notation") and not visible("choices") and not visible("text")
    # Generators in words, and a live sample of the chosen one.
    assert "Conv2d parameter count" in page.inner_text("#id_generator")
    page.select_option("#id_generator", "conv2d_parameters")
    page.wait_for_selector("#generator-preview:not([hidden]) #preview-answer:has-text('= ')")
    assert "parameters" in page.inner_text("#preview-prompt")
    page.screenshot(path=str(artifacts_dir / "hall-question-form-parametric.png"), full_page=True)
    # Saving still works with the hidden fields left out.
    with page.expect_navigation():
        page.click("form[enctype] button[type=submit]")
    page.screenshot(path=str(artifacts_dir / "hall-question-form-saved.png"), full_page=True)
    assert page.url.endswith(f"/quizzes/{quiz.id}/")
    assert quiz.questions.get().generator == "conv2d_parameters"


def test_practice_on_a_phone_answer_feedback_and_progress(browser, hall_server, student, artifacts_dir):
    page = browser.new_context(**PHONE_CONTEXT).new_page()
    log_in(page, hall_server.url, "ABC123")
    page.goto(hall_server.url + "/quizzes/practice/")
    page.click("text=Conv2d parameter count")
    prompt = page.inner_text("#prompt")
    from quizzes.practice import practice_next

    item = practice_next(user=student, generator="conv2d_parameters")
    assert prompt == item.variant.prompt
    page.fill("#answer", "seven")  # unreadable: said where the student looks, nothing counted
    with page.expect_navigation():
        page.click("#practice-form button[type=submit]")
    assert page.inner_text("#practice-error") and page.input_value("#answer") == "seven"
    page.fill("#answer", item.variant.distractors[0].text)
    with page.expect_navigation():
        page.click("#practice-form button[type=submit]")
    assert "Not quite" in page.inner_text("#feedback")
    assert page.inner_text("#feedback-right") == item.variant.answer
    assert page.inner_text("#feedback-mistake") == item.variant.distractors[0].mistake
    assert page.inner_text("#prompt") != prompt  # the next exercise is already there
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts_dir / "hall-phone-practice-feedback.png"), full_page=True)
    page.goto(hall_server.url + "/quizzes/practice/")
    assert "0 of 1 right" in page.inner_text("#practice-topics")


def test_an_upload_error_on_a_phone_shows_where_the_student_looks(
    browser, hall_server, course, student, artifacts_dir
):
    from tests.grader.conftest import assignment_make

    long_description = "\n\n".join(f"Paragraph {n} of the homework's long description." for n in range(60))
    assignment = assignment_make(course, kinds=("predictions",), description=long_description)
    page = browser.new_context(**PHONE_CONTEXT).new_page()
    log_in(page, hall_server.url, "ABC123")
    page.goto(hall_server.url + f"/grader/assignments/{assignment.pk}/")
    assert page.eval_on_selector("#upload-form", "e => e.getBoundingClientRect().top") > 2 * PHONE["height"]
    bad = {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}
    page.set_input_files("#upload-form input[type=file]", files=[bad])
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    box = page.eval_on_selector("#upload-error", "e => e.getBoundingClientRect().toJSON()")
    assert box["top"] >= 0 and box["bottom"] <= PHONE["height"]  # in view, not 3,000 px below
    page.screenshot(path=str(artifacts_dir / "hall-phone-upload-error.png"))


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE])
def test_the_gradebooks_total_stays_in_view_however_many_columns(
    browser, hall_server, course, instructor, artifacts_dir, viewport
):
    from tests.gradebook.builders import gradebook_build

    gradebook_build(course=course, host=instructor, students=6, games=10, assignments=10, milestones=10)
    page = browser.new_context(viewport=viewport).new_page()
    log_in(page, hall_server.url, "instructor")
    page.goto(hall_server.url + f"/gradebook/courses/{course.code}/")
    wrap = page.eval_on_selector(".gradebook-wrap", "e => e.getBoundingClientRect().toJSON()")
    assert page.eval_on_selector(".gradebook-wrap", "e => e.scrollWidth > e.clientWidth")  # it does scroll
    total = page.eval_on_selector("td.total", "e => e.getBoundingClientRect().toJSON()")
    assert (
        wrap["left"] <= total["left"]
        and total["right"] <= wrap["right"] + 1
        and total["right"] <= viewport["width"]
    )
    page.screenshot(path=str(artifacts_dir / f"hall-gradebook-{viewport['width']}.png"))
