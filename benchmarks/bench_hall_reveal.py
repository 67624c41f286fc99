"""What the parametric reveal costs at a lecture hall's size, and what naming mistakes adds to each answer.

Run from the repository root: ``.venv/bin/python benchmarks/bench_hall_reveal.py [--players 2000]``. It
builds a fresh SQLite database in a temporary folder (DATABASE_URL, when set, is used instead: PostgreSQL),
seats the players in a game with one parametric question, records an answer for each (a third right, the
rest split over their own variant's named mistakes and some numbers that match none), then prints JSON:
the time ``answer_mistake`` adds to one answer (p50/p99), the time to close the question (scoring + the
reveal payload, as the host's click pays it), the reveal payload alone (what a reconnecting screen pays), and
for contrast the per-player way (generating every player's variant at the reveal to classify the answers).
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(folder: str) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--generator", default="conv2d_output_shape")
    args = parser.parse_args()

    os.environ["DATA_DIR"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["QUIZ_GET_READY_S"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Course, Role, User
    from accounts.services import enrollment_set
    from quizzes.answers import answer_mistake
    from quizzes.authoring import QuestionDraft
    from quizzes.models import Game, Player, Quiz
    from quizzes.selectors import live_question, player_variant, reveal_payload
    from quizzes.services import answer_record, game_advance, game_create, question_close, question_save

    call_command("migrate", verbosity=0)
    course = Course.objects.create(code="BENCH1", title="Deep Learning in practice", term="2026/27/1")
    instructor = User.objects.create_user(username="bench-instructor", password="x")
    enrollment_set(course=course, user=instructor, role=Role.INSTRUCTOR)
    quiz = Quiz.objects.create(title="bench", owner=instructor)
    draft = QuestionDraft(kind="parametric", generator=args.generator, time_limit=240)
    question_save(quiz=quiz, user=instructor, draft=draft)
    game = game_create(quiz=quiz, host=instructor)
    now = timezone.now()
    Player.objects.bulk_create(
        Player(
            game=game,
            neptun_code=f"B{n:05d}",
            display_name=f"B{n:05d}",
            seat_token=f"bench-{n}",
            joined_at=now,
        )
        for n in range(args.players)
    )
    game_advance(game_id=game.id, from_phase="lobby", from_index=-1)
    game = Game.objects.get(id=game.id)
    live = live_question(game=game)
    assert live is not None
    question = quiz.questions.get()
    naming: list[float] = []
    for n, player in enumerate(Player.objects.filter(game=game).order_by("id")):
        variant = player_variant(game=game, question=question, neptun_code=player.neptun_code)
        text = variant.answer if n % 3 == 0 else variant.distractors[n % 3 - 1].text if n % 10 else "7"
        started = time.perf_counter()
        answer_mistake(variant=variant, text=text)
        naming.append((time.perf_counter() - started) * 1000)
        answer_record(live=live, player_id=player.id, variant=variant, text=text,
                      received_at=live.opened_at + timedelta(seconds=1 + n / args.players))  # fmt: skip

    started = time.perf_counter()
    question_close(game_id=game.id, index=0)
    close_ms = (time.perf_counter() - started) * 1000
    reveal_ms = []
    for _ in range(5):
        started = time.perf_counter()
        reveal = reveal_payload(game=game, question=question, index=0)
        reveal_ms.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    for player in Player.objects.filter(game=game):  # the per-player way, for contrast
        variant = player_variant(game=game, question=question, neptun_code=player.neptun_code)
        answer_mistake(variant=variant, text=variant.answer)
    per_player_ms = (time.perf_counter() - started) * 1000
    print(json.dumps({
        "players": args.players,
        "database": connection.vendor,
        "generator": args.generator,
        "answer_mistake_ms": {"p50": round(statistics.median(naming), 4),
                              "p99": round(percentile(naming, 0.99), 4)},
        "question_close_ms": round(close_ms, 1),
        "reveal_payload_ms": {"p50": round(statistics.median(reveal_ms), 1), "max": round(max(reveal_ms), 1)},
        "per_player_variants_at_reveal_ms": round(per_player_ms, 1),
        "mistakes": reveal["parametric"]["mistakes"],
        "percent_correct": reveal["parametric"]["percent_correct"],
    }, indent=1, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    folder = tempfile.mkdtemp(prefix="bench-hall-")
    try:
        main(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
