"""Writes of authoring: quizzes and their questions (create, edit, order, import) and the course's hall
settings. Only the instructors of the quiz's course may."""

from typing import Any

from django.db import models, transaction

from accounts.models import Course, User
from core.errors import PermissionDeniedError, PlatformError
from quizzes.authoring import QuestionDraft, QuizDraft, draft_problems
from quizzes.models import (
    BoardNames,
    CourseHall,
    Question,
    QuestionKind,
    Quiz,
)
from quizzes.selectors import (
    quiz_can_edit,
)


def quiz_edit_check(*, user: User, quiz: Quiz) -> None:
    if not quiz_can_edit(user=user, quiz=quiz):
        raise PermissionDeniedError("Only the instructors of the quiz's course can change or run it.")


def quiz_course_check(*, user: User, course: Course | None) -> None:
    from accounts.selectors import course_is_instructor

    if course is not None and not course_is_instructor(user=user, course=course):
        raise PermissionDeniedError(f"You are not an instructor of {course.code}.")


def quiz_create(*, owner: User, title: str, course: Course | None, description: str = "") -> Quiz:
    quiz_course_check(user=owner, course=course)
    title = title.strip()
    if not title:
        raise PlatformError("Give the quiz a title.")
    return Quiz.objects.create(owner=owner, title=title[:200], course=course, description=description)


def quiz_update(*, quiz: Quiz, user: User, title: str, course: Course | None, description: str) -> Quiz:
    quiz_edit_check(user=user, quiz=quiz)
    quiz_course_check(user=user, course=course)
    if not title.strip():
        raise PlatformError("Give the quiz a title.")
    quiz.title, quiz.course, quiz.description = title.strip()[:200], course, description
    quiz.save()
    return quiz


def _question_fields(draft: QuestionDraft) -> dict[str, Any]:
    return {
        "kind": draft.kind,
        "text": draft.text,
        "choices": draft.choices if draft.kind != QuestionKind.NUMERIC else [],
        "answer_number": draft.answer_number if draft.kind == QuestionKind.NUMERIC else None,
        "tolerance": draft.tolerance if draft.kind == QuestionKind.NUMERIC else 0.0,
        "generator": draft.generator if draft.kind == QuestionKind.PARAMETRIC else "",
        "notation": draft.notation or "lecture",
        "scope": draft.scope or "lecture",
        "explanation": draft.explanation,
        "time_limit": draft.time_limit,
        "points": 0 if draft.kind == QuestionKind.POLL else draft.points,
    }


def question_save(
    *, quiz: Quiz, user: User, draft: QuestionDraft, question: Question | None = None
) -> Question:
    """Add a question at the end of the quiz, or change ``question``.

    Raises PlatformError listing every problem; nothing is written then.
    """
    quiz_edit_check(user=user, quiz=quiz)
    problems = draft_problems(draft)
    if problems:
        raise PlatformError(" ".join(problems), code="invalid_question")
    fields = _question_fields(draft)
    if question is None:
        last = quiz.questions.aggregate(models.Max("position"))["position__max"]
        question = Question.objects.create(
            quiz=quiz, position=(last + 1) if last is not None else 0, **fields
        )
    else:
        for name, value in fields.items():
            setattr(question, name, value)
        question.save()
    quiz.save(update_fields=["updated_at"])
    return question


@transaction.atomic
def question_move(*, question: Question, user: User, offset: int) -> None:
    """Move a question up (−1) or down (+1) in its quiz."""
    quiz_edit_check(user=user, quiz=question.quiz)
    ordered = list(question.quiz.questions.order_by("position", "id"))
    at = ordered.index(question)
    to = min(max(at + offset, 0), len(ordered) - 1)
    ordered.insert(to, ordered.pop(at))
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


def question_delete(*, question: Question, user: User) -> None:
    quiz_edit_check(user=user, quiz=question.quiz)
    if question.answers.exists():
        raise PlatformError("Players have answered this question in a game; it stays so their results do.")
    question.delete()


@transaction.atomic
def quiz_import(*, owner: User, course: Course | None, draft: QuizDraft, quiz: Quiz | None = None) -> Quiz:
    """Write a parsed quiz (all of it or, on any error, nothing); appends to ``quiz`` when given."""
    if quiz is None:
        quiz = quiz_create(owner=owner, title=draft.title, course=course, description=draft.description)
    for question in draft.questions:
        question_save(quiz=quiz, user=owner, draft=question)
    return quiz


def question_draft(question: Question) -> QuestionDraft:
    return QuestionDraft(
        kind=question.kind,
        text=question.text,
        choices=list(question.choices),
        answer_number=question.answer_number,
        tolerance=question.tolerance,
        generator=question.generator,
        notation=question.notation,
        scope=question.scope,
        explanation=question.explanation,
        time_limit=question.time_limit,
        points=question.points,
    )


def course_hall_save(*, course: Course, user: User, board_names: str) -> CourseHall:
    """Choose how the course's projector names the top 5. Only the course's instructors may.

    Raises PermissionDeniedError, or PlatformError (code "invalid") for an unknown choice; either
    changes nothing.
    """
    from accounts.selectors import course_is_instructor

    if not (user.is_superuser or course_is_instructor(user=user, course=course)):
        raise PermissionDeniedError("Only the course's instructors choose what the projector shows.")
    if board_names not in BoardNames.values:
        raise PlatformError("Choose masked Neptun codes or display names.", code="invalid")
    hall, _ = CourseHall.objects.update_or_create(course=course, defaults={"board_names": board_names})
    return hall
