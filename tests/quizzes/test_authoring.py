"""Authoring: validation, the YAML format (round trip), Kahoot's xlsx template, all-or-nothing imports,
MathML rendering, and the demo content."""

import io

import openpyxl
import pytest

from quizzes.authoring import ImportProblems, kahoot_xlsx_parse, quiz_yaml_dump, quiz_yaml_parse
from quizzes.demo import demo_seed
from quizzes.mathtext import text_to_html
from quizzes.models import Game, Question, Quiz
from quizzes.services import question_draft, quiz_import

YAML = """
title: Lecture 5
description: CNNs
questions:
  - type: single
    text: Which layer shares weights?
    choices:
      - {text: Convolution, correct: true}
      - Dense
  - type: numeric
    text: "Width for $n=32, f=5$?"
    answer: 28
    tolerance: 0.5
    time_limit: 30
    points: double
  - type: truefalse
    text: Pooling has parameters.
    answer: false
  - type: parametric
    generator: conv2d_output_shape
    notation: pytorch
  - type: poll
    text: Fun?
    points: none
    choices: [Yes, No]
  - type: multiple
    text: Activations?
    choices: [{text: ReLU, correct: true}, {text: Adam}, {text: tanh, correct: true}]
"""


def test_yaml_parses_every_type_and_round_trips(db, instructor, course):
    draft = quiz_yaml_parse(YAML)
    kinds = [q.kind for q in draft.questions]
    assert kinds == ["single", "numeric", "truefalse", "parametric", "poll", "multiple"]
    assert draft.questions[1].points == 2000 and draft.questions[1].tolerance == 0.5
    assert draft.questions[2].choices == [
        {"text": "True", "correct": False},
        {"text": "False", "correct": True},
    ]
    quiz = quiz_import(owner=instructor, course=course, draft=draft)
    questions = list(quiz.questions.order_by("position"))
    dumped = quiz_yaml_dump(
        title=quiz.title, description=quiz.description, questions=[question_draft(q) for q in questions]
    )
    again = quiz_yaml_parse(dumped)
    assert [q.__dict__ for q in again.questions] == [question_draft(q).__dict__ for q in questions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "title: x\nquestions: [{type: single, text: Q, choices: [A]}]",
            "Question 1: A choice question needs 2–6",
        ),
        (
            "title: x\nquestions: [{type: single, text: Q, choices: [A, B]}]",
            "Mark exactly one correct option",
        ),
        ("title: x\nquestions: [{type: quiz, text: Q}]", "Unknown question type"),
        ("title: x\nquestions: [{type: numeric, text: Q}]", "needs the answer"),
        ("title: x\nquestions: [{type: numeric, text: Q, answer: abc}]", "answer must be a number"),
        ("title: x\nquestions: [{type: parametric, generator: nope}]", "Unknown generator"),
        (
            "title: x\nquestions: [{type: poll, text: Q, choices: [{text: A, correct: true}, B]}]",
            "A poll has no",
        ),
        (
            "title: x\nquestions: [{text: Q, time_limit: 500, choices: [{text: A, correct: true}, B]}]",
            "5–240",
        ),
        (
            "title: x\nquestions: [{text: 'Bad $\\frac{$', choices: [{text: A, correct: true}, B]}]",
            "not valid LaTeX",
        ),
        (
            "title: x\nquestions: [{text: Q, colour: red, choices: [{text: A, correct: true}, B]}]",
            "unknown field",
        ),
        ("questions: []", "no title"),
        ("title: [unclosed", "not valid YAML"),
        ("- just a list", "must be a mapping"),
    ],
)
def test_bad_yaml_lists_each_problem(text, expected):
    with pytest.raises(ImportProblems) as error:
        quiz_yaml_parse(text)
    assert any(expected in problem for problem in error.value.problems), error.value.problems


def test_every_problem_is_listed_with_its_question_number():
    text = (
        "title: x\nquestions:\n  - {type: single, text: Q, choices: [A, B]}\n  - {type: numeric, text: Q}\n"
    )
    with pytest.raises(ImportProblems) as error:
        quiz_yaml_parse(text)
    assert [p.split(":")[0] for p in error.value.problems] == ["Question 1", "Question 2"]


def kahoot_book(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Quiz template"])
    sheet.append([])
    sheet.append(
        [
            "",
            "Question - max 120 characters",
            "Answer 1 - max 75 characters",
            "Answer 2 - max 75 characters",
            "Answer 3 - max 75 characters",
            "Answer 4 - max 75 characters",
            "Time limit (sec) – 5, 10, 20, 30, 60, 90, 120, or 240 secs",
            "Correct answer(s) - choose at least one",
        ]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_kahoot_template_imports_single_and_multiple(db, instructor, course):
    content = kahoot_book(
        [
            [1, "Which layer shares weights?", "Convolution", "Dense", "Dropout", None, 20, "1"],
            [2, "Activations?", "ReLU", "Adam", "tanh", "SGD", 30, "1,3"],
        ]
    )
    draft = kahoot_xlsx_parse(content, title="Lecture 5")
    assert [(q.kind, q.time_limit, len(q.choices)) for q in draft.questions] == [
        ("single", 20, 3),
        ("multiple", 30, 4),
    ]
    assert [c["correct"] for c in draft.questions[1].choices] == [True, False, True, False]
    quiz = quiz_import(owner=instructor, course=course, draft=draft)
    assert quiz.questions.count() == 2


def test_kahoot_bad_rows_are_all_listed_and_nothing_is_imported(db, instructor, course):
    content = kahoot_book(
        [
            [1, "Good one", "A", "B", None, None, 20, "2"],
            [2, "No correct", "A", "B", None, None, 20, None],
            [3, "Bad time", "A", "B", None, None, "soon", "1"],
            [4, "Points to empty", "A", "B", None, None, 20, "4"],
            [5, "Bad index", "A", "B", None, None, 20, "x"],
        ]
    )
    with pytest.raises(ImportProblems) as error:
        kahoot_xlsx_parse(content, title="x")
    rows = {p.split(":")[0] for p in error.value.problems}
    assert rows == {"Row 5", "Row 6", "Row 7", "Row 8"}
    assert Quiz.objects.count() == 0


def test_not_a_spreadsheet_is_refused():
    with pytest.raises(ImportProblems, match="not an xlsx"):
        kahoot_xlsx_parse(b"hello", title="x")
    with pytest.raises(ImportProblems) as error:
        kahoot_xlsx_parse(kahoot_book([])[:0] or _empty_book(), title="x")
    assert "header" in error.value.problems[0]


def _empty_book() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def test_math_becomes_mathml_and_html_is_escaped():
    html = text_to_html("Is $\\frac{a}{b}$ < 1? <script>x</script> $\\text{<img src=x onerror=alert(1)>}$")
    assert "<mfrac>" in html and "&lt;script&gt;" in html
    assert "<img" not in html and "<script" not in html


@pytest.mark.services
def test_demo_seed_creates_every_type_and_a_finished_game(db, course, instructor, capsys):
    from tests.factories import EnrollmentFactory

    for _ in range(6):
        EnrollmentFactory(course=course)
    import sys

    demo_seed(course=course, stdout=sys.stdout)
    kinds = set(Question.objects.values_list("kind", flat=True))
    assert kinds == {"single", "multiple", "truefalse", "numeric", "parametric", "poll"}
    game = Game.objects.get()
    assert game.phase == "finished" and game.players.count() == 6 and game.answers.count() > 20
    assert game.players.filter(score__gt=0).exists()
    demo_seed(course=course, stdout=sys.stdout)  # again: nothing new
    assert Game.objects.count() == 1
