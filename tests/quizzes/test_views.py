"""The instructor's pages: rights, editing, import/export, starting a game, results and gradebook."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from quizzes.models import Game, Question, Quiz
from quizzes.selectors import live_question
from quizzes.services import answer_record, game_advance, game_create, player_join, question_close

pytestmark = pytest.mark.services


@pytest.fixture
def instructor_client(client, instructor):
    client.force_login(instructor)
    return client


def test_students_and_anonymous_users_get_no_instructor_pages(client, student, quiz, game):
    urls = [
        reverse("quizzes:quiz_list"),
        reverse("quizzes:quiz_edit", args=[quiz.id]),
        reverse("quizzes:quiz_export", args=[quiz.id]),
        reverse("quizzes:game_host", args=[game.id]),
        reverse("quizzes:game_results", args=[game.id]),
        reverse("quizzes:game_results_export", args=[game.id, "csv"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(student)
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("quizzes:game_start", args=[quiz.id])).status_code == 403
    assert Game.objects.count() == 1


def test_grader_sees_results_but_cannot_host_or_edit(client, grader_user, quiz, game):
    client.force_login(grader_user)
    assert client.get(reverse("quizzes:game_results", args=[game.id])).status_code == 200
    assert client.get(reverse("quizzes:game_host", args=[game.id])).status_code == 403
    assert client.get(reverse("quizzes:quiz_edit", args=[quiz.id])).status_code == 403


def test_instructor_creates_a_quiz_adds_edits_moves_and_deletes_questions(instructor_client, course):
    response = instructor_client.post(
        reverse("quizzes:quiz_list"), {"title": "Lecture 6", "course": course.id}
    )
    quiz = Quiz.objects.get(title="Lecture 6")
    assert response.url == reverse("quizzes:quiz_edit", args=[quiz.id])
    new = reverse("quizzes:question_new", args=[quiz.id])
    base = {
        "kind": "single",
        "text": "Q $x^2$",
        "choices": "* A\nB",
        "time_limit": 20,
        "points": 1000,
        "notation": "lecture",
    }
    assert instructor_client.post(new, base).status_code == 302
    bad = instructor_client.post(new, {**base, "choices": "A\nB"})
    assert bad.status_code == 200 and "Mark exactly one correct option" in bad.content.decode()
    instructor_client.post(new, {**base, "kind": "numeric", "text": "N", "answer_number": 3, "choices": ""})
    first, second = quiz.questions.order_by("position")
    assert (first.kind, second.kind) == ("single", "numeric") and first.choices[0] == {
        "text": "A",
        "correct": True,
    }
    action = reverse("quizzes:question_action", args=[quiz.id, second.id])
    instructor_client.post(action, {"action": "up"})
    assert list(quiz.questions.order_by("position").values_list("kind", flat=True)) == ["numeric", "single"]
    edit = reverse("quizzes:question_edit", args=[quiz.id, first.id])
    assert "* A" in instructor_client.get(edit).content.decode()
    instructor_client.post(edit, {**base, "text": "Changed"})
    first.refresh_from_db()
    assert first.text == "Changed"
    instructor_client.post(action, {"action": "delete"})
    assert quiz.questions.count() == 1
    page = instructor_client.get(reverse("quizzes:quiz_edit", args=[quiz.id])).content.decode()
    assert "Start a game" in page


def test_question_with_answers_cannot_be_deleted(instructor_client, game, student):
    player = player_join(game=game, neptun_code="ABC123").player
    game_advance(game_id=game.id, from_phase="lobby", from_index=-1)
    game.refresh_from_db()
    live = live_question(game=game)
    answer_record(
        live=live,
        player_id=player.id,
        variant=None,
        picks=[0],
        received_at=live.opened_at,
    )
    question = Question.objects.get(id=game.question_ids[0])
    response = instructor_client.post(
        reverse("quizzes:question_action", args=[game.quiz.id, question.id]),
        {"action": "delete"},
        follow=True,
    )
    assert "stays so their results do" in response.content.decode()
    assert Question.objects.filter(id=question.id).exists()


def test_import_yaml_and_xlsx_and_bad_files_import_nothing(instructor_client, course):
    url = reverse("quizzes:quiz_import")
    good = io.BytesIO(b"title: Imported\nquestions:\n  - {type: truefalse, text: Is it true, answer: true}\n")
    good.name = "quiz.yaml"
    response = instructor_client.post(url, {"file": good, "course": course.id})
    assert response.status_code == 302, response.content.decode()[-1500:]
    assert Quiz.objects.get(title="Imported").questions.count() == 1
    bad = io.BytesIO(
        b"title: Broken\nquestions:\n  - {type: single, text: Q, choices: [A]}\n  - {type: numeric}\n"
    )
    bad.name = "broken.yaml"
    response = instructor_client.post(url, {"file": bad})
    page = response.content.decode()
    assert response.status_code == 400 and "Question 1" in page and "Question 2" in page
    assert not Quiz.objects.filter(title="Broken").exists()
    book = openpyxl.Workbook()
    book.active.append(
        ["Question", "Answer 1", "Answer 2", "Answer 3", "Answer 4", "Time limit", "Correct answer(s)"]
    )
    book.active.append(["Q?", "A", "B", None, None, 20, 2])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "kahoot lecture.xlsx"
    response = instructor_client.post(url, {"file": buffer})
    assert response.status_code == 302 and Quiz.objects.get(title="kahoot lecture").questions.count() == 1


def test_export_yaml(instructor_client, quiz):
    response = instructor_client.get(reverse("quizzes:quiz_export", args=[quiz.id]))
    text = response.content.decode()
    assert (
        response["Content-Type"].startswith("application/x-yaml") and "generator: conv2d_output_shape" in text
    )


def test_start_game_and_host_page_shows_pin_qr_and_join_url(instructor_client, quiz, course):
    response = instructor_client.post(
        reverse("quizzes:game_start", args=[quiz.id]), {"course": course.id, "speed_scoring": "on"}
    )
    game = Game.objects.get()
    assert response.url == reverse("quizzes:game_host", args=[game.id])
    page = instructor_client.get(response.url).content.decode()
    assert game.pin in page and "<svg" in page and "/quizzes/play/" in page
    assert game.course == course and game.speed_scoring and not game.verified
    assert not game.graded and "practice (not in the gradebook)" in page


def test_play_page_is_public_and_prefills_the_pin(client, game):
    page = client.get(reverse("quizzes:play") + f"?pin={game.pin}").content.decode()
    assert f'value="{game.pin}"' in page and "Neptun code" in page


def test_results_page_and_csv_xlsx_exports_are_keyed_by_neptun_code(
    instructor_client, game, student, other_student
):
    a = player_join(game=game, neptun_code="ABC123").player
    player_join(game=game, neptun_code="XYZ789")
    game_advance(game_id=game.id, from_phase="lobby", from_index=-1)
    game.refresh_from_db()
    live = live_question(game=game)
    answer_record(live=live, player_id=a.id, variant=None, picks=[0], received_at=live.opened_at)
    question_close(game_id=game.id, index=0)
    page = instructor_client.get(reverse("quizzes:game_results", args=[game.id])).content.decode()
    assert "ABC123" in page and "XYZ789" in page and "Convolution" in page
    response = instructor_client.get(reverse("quizzes:game_results_export", args=[game.id, "csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (
        rows[0]["neptun_code"] == "ABC123" and rows[0]["q1_correct"] == "yes" and rows[0]["total"] == "1000"
    )
    assert rows[1]["neptun_code"] == "XYZ789" and rows[1]["q1_points"] == "0"
    # No answer: the answer, correct and time cells are empty (not a lone "'" from formula quoting).
    assert [rows[1][f"q1_{part}"] for part in ("answer", "correct", "time_s")] == ["", "", ""]
    assert all(value != "'" for row in rows for value in row.values())
    response = instructor_client.get(reverse("quizzes:game_results_export", args=[game.id, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert sheet["A2"].value == "ABC123" and sheet.cell(2, header.index("total") + 1).value == 1000
    assert (
        instructor_client.get(reverse("quizzes:game_results_export", args=[game.id, "pdf"])).status_code
        == 404
    )


def test_course_gradebook_has_the_finished_graded_course_games_and_leaves_practice_out(
    instructor_client, quiz, instructor, course, student
):
    for graded in (True, False, True):
        game = game_create(
            quiz=quiz, host=instructor, course=course, speed_scoring=False, graded=graded, verified=False
        )
        player = player_join(game=game, neptun_code="ABC123").player
        game_advance(game_id=game.id, from_phase="lobby", from_index=-1)
        game.refresh_from_db()
        live = live_question(game=game)
        answer_record(
            live=live,
            player_id=player.id,
            variant=None,
            picks=[0],
            received_at=live.opened_at,
        )
        from quizzes.services import game_end

        game_end(game_id=game.id)
    # The course gradebook (the only one: the results page links to it) has the graded games only.
    results = instructor_client.get(reverse("quizzes:game_results", args=[game.id])).content.decode()
    assert reverse("gradebook:course", args=[course.code]) in results
    response = instructor_client.get(reverse("gradebook:export_csv", args=[course.code]))
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    abc = next(r for r in rows if r[0] == "ABC123")
    assert [h.split(" ")[0] for h in rows[0][2:4]] == ["Q1", "Q2"]  # the practice game is not a column
    assert rows[0][4] == "Quizzes %"
    assert abc[2:4] == ["1000", "1000"]
