"""Rows for the dashboard tests, made directly (the dashboards only read; grading itself is tested in
tests/grader): assignments, scored submissions, a finished live game with players and answers."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from grader.models import Assignment, Submission, SubmissionStatus
from quizzes.game import Phase
from quizzes.models import Answer, Game, Player, Question, Quiz

_serial = itertools.count(1)


def assignment_row(course, **fields) -> Assignment:
    now = timezone.now()
    fields.setdefault("title", f"Homework {next(_serial)}")
    fields.setdefault("task_key", "fever-regression")
    fields.setdefault("kinds", ["predictions"])
    fields.setdefault("metric", "mae")
    fields.setdefault("higher_is_better", False)
    fields.setdefault("score_zero_points", 10.0)
    fields.setdefault("opens_at", now - timedelta(days=3))
    fields.setdefault("deadline", now + timedelta(days=4))
    return Assignment.objects.create(course=course, **fields)


def submission_row(
    assignment, user, *, score=None, status=SubmissionStatus.SCORED, ago=timedelta(hours=1), **fields
):
    """A submission of ``user``; scored ones get the same public, private and full score."""
    if status == SubmissionStatus.SCORED:
        fields.setdefault("score_public", score)
        fields.setdefault("score_private", score)
        fields.setdefault("score", score)
        fields.setdefault("points", 5)
    serial = next(_serial)
    return Submission.objects.create(
        assignment=assignment,
        user=user,
        kind="predictions",
        file=f"grader/submissions/test-{serial}.csv",
        original_name=fields.pop("original_name", f"predictions-{serial}.csv"),
        sha256=f"{serial:064d}",
        status=status,
        received_at=timezone.now() - ago,
        **fields,
    )


def finished_game(course, host, answers: dict[str, list[bool | None]], scores: dict[str, int]) -> Game:
    """A finished game; ``answers`` maps a Neptun code to each question's correctness (None: no answer)."""
    count = len(next(iter(answers.values())))
    quiz = Quiz.objects.create(title=f"Lecture quiz {next(_serial)}", course=course, owner=host)
    questions = [
        Question.objects.create(
            quiz=quiz,
            position=i,
            kind="single",
            text=f"Question number {i + 1}",
            choices=[{"text": "right", "correct": True}, {"text": "wrong", "correct": False}],
        )
        for i in range(count)
    ]
    now = timezone.now()
    game = Game.objects.create(
        quiz=quiz,
        course=course,
        host=host,
        pin=f"{next(_serial):06d}",
        key=f"key-{next(_serial)}",
        phase=Phase.FINISHED,
        graded=True,
        question_ids=[q.pk for q in questions],
        question_index=count - 1,
        started_at=now - timedelta(minutes=20),
        finished_at=now - timedelta(minutes=5),
    )
    for code, marks in answers.items():
        player = Player.objects.create(
            game=game, neptun_code=code, seat_token=f"seat-{next(_serial)}", score=scores[code], joined_at=now
        )
        for index, correct in enumerate(marks):
            if correct is None:
                continue
            Answer.objects.create(
                game=game,
                player=player,
                question=questions[index],
                question_index=index,
                picks="0" if correct else "1",
                correct=correct,
                points=900 if correct else 0,
                response_ms=2000 + 1000 * index,
                created_at=now,
            )
    return game


@pytest.fixture
def make_assignment(course):
    return lambda **fields: assignment_row(course, **fields)
