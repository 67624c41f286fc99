"""A host and three phones play a three-question game to the podium in headless Chromium;
one phone reloads in the middle of a question and comes back to its seat."""

import pytest

from accounts.models import Role
from accounts.services import enrollment_set
from quizzes.authoring import QuestionDraft
from quizzes.models import Game, Quiz
from quizzes.selectors import game_question, player_variant
from quizzes.services import game_create, question_save
from tests.factories import StudentFactory
from tests.quizzes.conftest import PARAMETRIC_GENERATOR, choices

pytestmark = [pytest.mark.e2e, pytest.mark.services]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_host_and_three_players_play_to_the_podium(
    browser, asgi_server, instructor, course, student, other_student, artifacts_dir
):
    third = StudentFactory(neptun_code="QWE456", username="QWE456")
    enrollment_set(course=course, user=third, role=Role.STUDENT)
    quiz = Quiz.objects.create(title="Lecture 5: CNNs", course=course, owner=instructor)
    for draft in (
        QuestionDraft(kind="single", text="Which layer shares its weights across positions?",
                      choices=choices("Convolution", "Dense", "Dropout", "Softmax"), time_limit=60,
                      explanation="A convolution slides one kernel over the input."),
        QuestionDraft(kind="numeric", text="Output width: $n=32$, $f=5$, $s=1$, $p=0$?", answer_number=28,
                      time_limit=60, explanation="$\\frac{32-5}{1}+1=28$"),
        QuestionDraft(kind="parametric", generator=PARAMETRIC_GENERATOR, time_limit=90),
    ):  # fmt: skip
        question_save(quiz=quiz, user=instructor, draft=draft)
    game = game_create(quiz=quiz, host=instructor, course=course)

    host_context = browser.new_context(viewport={"width": 1600, "height": 1000})
    host = host_context.new_page()
    host.goto(asgi_server.url + "/accounts/login/")
    host.fill("#id_username", "instructor")
    host.fill("#id_password", "correct-horse-battery")
    host.click("button[type=submit]")
    host.goto(asgi_server.url + f"/quizzes/games/{game.id}/host/")
    assert host.inner_text("#pin") == game.pin
    assert host.locator(".qr svg").count() == 1

    phones = {}
    for code in ("abc123", "XYZ789", "QWE456"):
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(asgi_server.url + f"/quizzes/play/?pin={game.pin}")
        page.fill("#neptun", code)
        page.click("#join-button")
        page.wait_for_selector("#lobby-screen:not([hidden])")
        phones[code.upper()] = page
    a, b, c = phones["ABC123"], phones["XYZ789"], phones["QWE456"]
    host.wait_for_function("document.getElementById('player-count').textContent === '3'")
    assert "QW•••6" in host.inner_text("#players")  # the lobby is projected: codes masked
    host.screenshot(path=str(artifacts_dir / "host-1-lobby.png"))
    a.screenshot(path=str(artifacts_dir / "phone-1-lobby.png"))

    # Question 1, single choice; XYZ789 reloads the page before answering.
    host.click("#start")
    for page in phones.values():
        page.wait_for_selector("#question-screen:not([hidden]) .tile")
    a.screenshot(path=str(artifacts_dir / "phone-2-question-tiles.png"))
    host.screenshot(path=str(artifacts_dir / "host-2-question.png"))
    a.click("#tiles .tile.red")
    a.wait_for_selector("text=Answer sent")
    b.reload()
    b.wait_for_selector("#question-screen:not([hidden]) .tile")
    b.click("#tiles .tile.blue")
    c.focus("#tiles .tile.red")
    c.keyboard.press("Enter")  # keyboard works too
    host.wait_for_selector("#reveal-screen:not([hidden])")
    assert "Convolution" in host.inner_text("#r-correct")
    host.screenshot(path=str(artifacts_dir / "host-3-reveal-bars.png"))
    a.wait_for_selector("#reveal-screen:not([hidden])")
    assert "Correct" in a.inner_text("#r-result")
    b.wait_for_selector("#reveal-screen:not([hidden])")
    assert "Wrong" in b.inner_text("#r-result")
    a.screenshot(path=str(artifacts_dir / "phone-3-reveal.png"))
    host.click("#to-scoreboard")
    host.wait_for_selector("#scoreboard-screen:not([hidden])")
    assert "XYZ789" not in host.inner_text("#top5").split("\n")[0]

    # Question 2, numeric.
    host.click("#next")
    for page, typed in ((a, "28"), (b, "28,0"), (c, "27")):
        page.wait_for_selector("#typed:not([hidden])")
        page.fill("#answer-text", typed)
        page.click("#typed button")
    host.wait_for_selector("#reveal-screen:not([hidden])")
    c.wait_for_selector("#reveal-screen:not([hidden])")
    assert "Wrong" in c.inner_text("#r-result") and "Correct" in b.inner_text("#r-result")
    host.click("#to-scoreboard")
    host.wait_for_selector("#scoreboard-screen:not([hidden])")

    # Question 3, parametric: each phone shows its own variant.
    host.click("#next")
    game = Game.objects.get(id=game.id)
    question = game_question(game=game, index=2)
    prompts = set()
    for code, page in phones.items():
        page.wait_for_selector("#typed:not([hidden])")
        prompts.add(page.inner_text("#q-text"))
        variant = player_variant(game=game, question=question, neptun_code=code)
        assert variant.prompt.split()[0] in page.inner_text("#q-text")
        page.fill("#answer-text", variant.answer if code != "QWE456" else "1@1x1")
    a.screenshot(path=str(artifacts_dir / "phone-4-parametric.png"))
    for page in phones.values():
        page.click("#typed button")
    host.wait_for_selector("#reveal-screen:not([hidden])")
    a.wait_for_selector("#reveal-screen:not([hidden])")
    assert "Correct" in a.inner_text("#r-result")
    host.click("#to-scoreboard")
    host.wait_for_selector("#scoreboard-screen:not([hidden])")
    host.click("#next")

    host.wait_for_selector("#finished-screen:not([hidden])")
    podium = host.inner_text("#podium")
    assert "AB•••3" in podium and "XY•••9" in podium and "QW•••6" in podium and "ABC123" not in podium
    host.screenshot(path=str(artifacts_dir / "host-5-podium.png"), full_page=True)
    a.wait_for_selector("#finished-screen:not([hidden])")
    assert a.inner_text("#f-rank") == "#1"
    a.screenshot(path=str(artifacts_dir / "phone-5-finished.png"))

    host.goto(asgi_server.url + f"/quizzes/games/{game.id}/results/")
    assert "ABC123" in host.inner_text("#results")
    host.screenshot(path=str(artifacts_dir / "host-6-results.png"), full_page=True)
    for page in [host, *phones.values()]:
        page.context.close()
