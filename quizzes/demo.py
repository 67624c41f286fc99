"""Demo content: a quiz with every question type (parametric ones too) and a finished game."""

import random
from datetime import timedelta
from typing import Any

from accounts.models import Course, Enrollment, Role, User
from quizzes.authoring import QuestionDraft
from quizzes.game import Phase
from quizzes.models import Quiz
from quizzes.selectors import game_question, live_question, player_variant
from quizzes.services import answer_record, game_advance, game_create, player_join, question_save

DEMO_TITLE = "Demo: convolutional networks (lecture 5)"


def _choices(*texts: str, correct: tuple[int, ...] = (0,)) -> list[dict[str, Any]]:
    return [{"text": t, "correct": i in correct} for i, t in enumerate(texts)]


DEMO_QUESTIONS = [
    QuestionDraft(
        kind="single",
        text="Which layer shares its weights across positions?",
        choices=_choices("Convolution", "Dense", "Dropout", "Softmax"),
        explanation="A convolution slides the same kernel over the whole input.",
    ),
    QuestionDraft(
        kind="multiple",
        text="Which of these are activation functions?",
        choices=_choices("ReLU", "Adam", "tanh", "Batch norm", "sigmoid", correct=(0, 2, 4)),
        explanation="Adam is an optimiser; batch normalisation normalises activations.",
    ),
    QuestionDraft(
        kind="truefalse",
        text="Max pooling has trainable parameters.",
        choices=_choices("True", "False", correct=(1,)),
        time_limit=10,
        explanation="Pooling takes the maximum of a window: nothing to learn.",
    ),
    QuestionDraft(
        kind="numeric",
        text="Output width: $n=32$, $f=5$, $s=1$, $p=0$. What is $\\frac{n+2p-f}{s}+1$?",
        answer_number=28,
        explanation="$\\frac{32+0-5}{1}+1 = 28$",
        points=2000,
    ),
    QuestionDraft(kind="parametric", generator="conv2d_output_shape", time_limit=60),
    QuestionDraft(kind="parametric", generator="conv2d_parameters", time_limit=60),
    QuestionDraft(
        kind="poll",
        text="How confident are you with convolution arithmetic?",
        choices=_choices("Very", "Somewhat", "Not yet", correct=()),
        points=0,
        time_limit=15,
    ),
]


def demo_seed(*, course: Course, stdout: Any) -> None:
    """Create the demo quiz and a finished game with results from 18 demo students (once)."""
    if Quiz.objects.filter(title=DEMO_TITLE, course=course).exists():
        stdout.write("  quizzes: demo quiz already there")
        return
    instructor = User.objects.filter(enrollments__course=course, enrollments__role=Role.INSTRUCTOR).first()
    if instructor is None:
        return
    quiz = Quiz.objects.create(title=DEMO_TITLE, course=course, owner=instructor)
    for draft in DEMO_QUESTIONS:
        question_save(quiz=quiz, user=instructor, draft=draft)
    # Graded (a gradebook column), players by typed code: the demo has no phones to log in on.
    game = game_create(quiz=quiz, host=instructor, course=course, graded=True, verified=False)
    codes = list(
        Enrollment.objects.filter(course=course, role=Role.STUDENT)
        .exclude(user__neptun_code__isnull=True)
        .values_list("user__neptun_code", flat=True)[:18]
    )
    players = [player_join(game=game, neptun_code=code).player for code in codes]
    rng = random.Random(5)
    while True:
        game.refresh_from_db()
        if game.phase == Phase.QUESTION:
            live = live_question(game=game)
            assert live is not None
            question = game_question(game=game, index=game.question_index)
            for player in players:
                if rng.random() < 0.1:
                    continue  # missed it
                skill = 0.45 + 0.5 * (players.index(player) % 5) / 4
                picks: Any = None
                text: Any = None
                if question.kind == "numeric":
                    text = "28" if rng.random() < skill else "27"
                elif question.kind == "parametric":
                    variant = player_variant(game=game, question=question, neptun_code=player.neptun_code)
                    text = variant.answer if rng.random() < skill else variant.distractors[0].text
                elif question.kind == "multiple":
                    picks = [0, 2, 4] if rng.random() < skill else [0, 1]
                else:
                    right = [i for i, c in enumerate(question.choices) if c["correct"]] or [0]
                    picks = right if rng.random() < skill else [(right[0] + 1) % len(question.choices)]
                answer_record(
                    live=live,
                    player_id=player.id,
                    variant=(
                        player_variant(game=game, question=question, neptun_code=player.neptun_code)
                        if question.kind == "parametric"
                        else None
                    ),
                    picks=picks,
                    text=text,
                    received_at=live.opened_at + timedelta(seconds=rng.uniform(1, question.time_limit * 0.8)),
                )
        if game.phase == Phase.FINISHED:
            break
        game_advance(game_id=game.id, from_phase=game.phase, from_index=game.question_index)
    stdout.write(
        f"  quizzes: “{quiz.title}” ({len(DEMO_QUESTIONS)} questions) and a finished game with "
        f"{len(players)} players; results at /quizzes/games/{game.id}/results/"
    )
