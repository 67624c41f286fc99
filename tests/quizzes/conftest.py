"""Quizzes with every question type, and games on them."""

import pytest

from quizzes.authoring import QuestionDraft
from quizzes.models import Quiz
from quizzes.services import game_create, question_save

PARAMETRIC_GENERATOR = "conv2d_output_shape"


def choices(*texts: str, correct: tuple[int, ...] = (0,)) -> list[dict]:
    return [{"text": t, "correct": i in correct} for i, t in enumerate(texts)]


@pytest.fixture
def quiz_factory(instructor, course):
    def make(*drafts: QuestionDraft, title: str = "Convolutions") -> Quiz:
        quiz = Quiz.objects.create(title=title, course=course, owner=instructor)
        for draft in drafts:
            question_save(quiz=quiz, user=instructor, draft=draft)
        return quiz

    return make


SINGLE = QuestionDraft(
    kind="single",
    text="Which layer shares weights over positions?",
    choices=choices("Convolution", "Dense", "Dropout", "Softmax"),
    explanation="Convolution.",
)
NUMERIC = QuestionDraft(
    kind="numeric",
    text="Output width for $n=32, f=5, s=1, p=0$?",
    answer_number=28,
    tolerance=0,
    explanation="$32-5+1=28$",
)
PARAMETRIC = QuestionDraft(kind="parametric", generator=PARAMETRIC_GENERATOR, time_limit=60)
MULTIPLE = QuestionDraft(
    kind="multiple",
    text="Which are activation functions?",
    choices=choices("ReLU", "Adam", "tanh", "SGD", correct=(0, 2)),
)
TRUE_FALSE = QuestionDraft(
    kind="truefalse", text="Max pooling has parameters.", choices=choices("True", "False", correct=(1,))
)
POLL = QuestionDraft(
    kind="poll", text="How was the lecture?", choices=choices("Good", "OK", "Bad", correct=()), points=0
)


@pytest.fixture
def quiz(quiz_factory):
    return quiz_factory(SINGLE, NUMERIC, PARAMETRIC)


@pytest.fixture
def game(quiz, instructor, course):
    return game_create(quiz=quiz, host=instructor, course=course)
