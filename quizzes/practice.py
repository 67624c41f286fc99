"""Practice between lectures: a student's own stream of parametric variants with instant feedback.

Never graded. A variant is drawn from (the student, the generator, how many they answered), so a reload
shows the same exercise until it is answered; the form carries it as a signed token, so a student can
neither pick a variant nor answer for someone else, and a second submission of one form changes nothing.
Exercises keep to the lecture's scope unless the student asks for the advanced forms; the scope is
part of the signed token, so the answer is checked against the variant the student saw.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Course, Enrollment, Role, User
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from quizzes.answers import AnswerFormatError, answer_check, answer_mistake
from quizzes.generators import (
    SCOPES,
    Variant,
    generator_get,
    generator_names,
    seed_for_player,
    variant_generate,
)
from quizzes.models import PracticeAttempt

PRACTICE_SALT = "quizzes.practice"
PRACTICE_TOKEN_AGE_S = 7 * 24 * 3600
PRACTICE_DAILY_LIMIT = 300  # far above honest practice; keeps a scripted loop from filling the table


@dataclass(frozen=True)
class PracticeItem:
    generator: str
    variant: Variant
    token: str
    scope: str = "lecture"
    has_advanced: bool = False  # whether the topic's advanced scope draws anything more


@dataclass(frozen=True)
class PracticeResult:
    variant: Variant
    text: str
    correct: bool
    mistake: str
    repeated: bool  # the same form sent again: the first answer stands


def practice_topic_check(generator: str) -> None:
    if generator not in generator_names():
        raise NotFoundError("practice_topic_missing")


def practice_scope(value: str | None) -> str:
    """The scope a request asks for; anything unknown is the lecture's (the default)."""
    return value if value in SCOPES else "lecture"


def practice_next(*, user: User, generator: str, scope: str = "lecture") -> PracticeItem:
    """The student's next exercise of this topic (the same one until it is answered)."""
    practice_topic_check(generator)
    scope = practice_scope(scope)
    done = PracticeAttempt.objects.filter(user=user, generator=generator).count()
    # The two scopes draw from different seeds, so answering one never marks the other "answered";
    # the advanced key is the one practice used before scopes existed.
    key = f"{generator}:{done}" if scope == "advanced" else f"{generator}:{done}:lecture"
    seed = seed_for_player(game_key=f"practice-{user.pk}", question_key=key, neptun_code="")
    variant = variant_generate(generator=generator, seed=seed, notation="lecture", scope=scope)
    token = signing.dumps({"u": user.pk, "g": generator, "s": seed, "c": scope}, salt=PRACTICE_SALT)
    return PracticeItem(
        generator=generator,
        variant=variant,
        token=token,
        scope=scope,
        has_advanced=generator_get(generator).advanced,
    )


def practice_answer(*, user: User, token: str, text: str) -> PracticeResult:
    """Check and record one practice answer.

    Raises PlatformError ("exercise_stale" for a broken or old form, AnswerFormatError's codes for an
    unreadable answer, "too_many" past the daily limit) or PermissionDeniedError (another student's
    form); none records anything.
    """
    try:
        data = signing.loads(token, salt=PRACTICE_SALT, max_age=PRACTICE_TOKEN_AGE_S)
        owner, generator, seed = int(data["u"]), str(data["g"]), int(data["s"])
        # Tokens signed before scopes existed drew the advanced forms.
        scope = str(data.get("c", "advanced"))
        if scope not in SCOPES:
            raise ValueError(scope)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise PlatformError("exercise_stale") from None
    if owner != user.pk:
        raise PermissionDeniedError("exercise_not_yours")
    practice_topic_check(generator)
    variant = variant_generate(generator=generator, seed=seed, notation="lecture", scope=scope)
    earlier = PracticeAttempt.objects.filter(user=user, generator=generator, seed=seed).first()
    if earlier is not None:
        return PracticeResult(variant, earlier.text, earlier.correct, earlier.mistake, repeated=True)
    since = timezone.now() - timedelta(days=1)
    if PracticeAttempt.objects.filter(user=user, created_at__gte=since).count() >= PRACTICE_DAILY_LIMIT:
        raise PlatformError("too_many", limit=PRACTICE_DAILY_LIMIT)
    try:
        correct = answer_check(variant=variant, text=text)
    except AnswerFormatError as error:
        raise PlatformError(error.code, **error.params) from None
    mistake = "" if correct else answer_mistake(variant=variant, text=text)[:120]
    try:
        with transaction.atomic():
            PracticeAttempt.objects.create(
                user=user,
                generator=generator,
                seed=seed,
                text=text.strip()[:200],
                correct=correct,
                mistake=mistake,
            )
    except IntegrityError:  # the same form, twice at once: the first answer stands
        earlier = PracticeAttempt.objects.get(user=user, generator=generator, seed=seed)
        return PracticeResult(variant, earlier.text, earlier.correct, earlier.mistake, repeated=True)
    return PracticeResult(variant, text.strip(), correct, mistake, repeated=False)


def practice_progress(*, user: User) -> list[dict[str, Any]]:
    """Every topic with the student's attempts, right answers and their last five results."""
    counts: dict[str, tuple[int, int]] = {
        row["generator"]: (row["attempts"], row["correct"])
        for row in PracticeAttempt.objects.filter(user=user)
        .values("generator")
        .annotate(attempts=Count("id"), correct=Count("id", filter=Q(correct=True)))
    }
    recent: dict[str, list[bool]] = {}
    latest = PracticeAttempt.objects.filter(user=user).values_list("generator", "correct")[:500]
    for generator, correct in latest:
        if len(recent.setdefault(generator, [])) < 5:
            recent[generator].append(correct)
    return [
        {
            "generator": name,
            "title": practice_title(name),
            "attempts": counts.get(name, (0, 0))[0],
            "correct": counts.get(name, (0, 0))[1],
            "recent": recent.get(name, []),
        }
        for name in generator_names()
    ]


def practice_title(generator: str) -> str:
    """A topic's name in words, the generator's own title ("Conv2d output shape")."""
    return generator_get(generator).title


def practice_for_course(*, course: Course) -> list[dict[str, Any]]:
    """What the course's students practise and get wrong, per topic, worst first (for the instructor)."""
    students = Enrollment.objects.filter(course=course, role=Role.STUDENT).values("user_id")
    attempts = PracticeAttempt.objects.filter(user_id__in=students)
    rows = {
        row["generator"]: row
        for row in attempts.values("generator").annotate(
            attempts=Count("id"),
            correct=Count("id", filter=Q(correct=True)),
            students=Count("user", distinct=True),
        )
    }
    mistakes: dict[str, Counter[str]] = {}
    for generator, mistake in (
        attempts.filter(correct=False).exclude(mistake="").values_list("generator", "mistake")
    ):
        mistakes.setdefault(generator, Counter())[mistake] += 1
    out = []
    for name, row in rows.items():
        common = mistakes.get(name, Counter()).most_common(1)
        out.append(
            {
                "generator": name,
                "title": practice_title(name),
                "students": row["students"],
                "attempts": row["attempts"],
                "percent_correct": round(100 * row["correct"] / row["attempts"]),
                "mistake": common[0][0] if common else "",
            }
        )
    return sorted(out, key=lambda r: (r["percent_correct"], r["title"]))
