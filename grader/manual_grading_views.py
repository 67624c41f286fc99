"""Pages of manual grading: the grader's roster (rubric, publishing), one student's grading page, and the
student's own published grade with the regrade request form.

Thin: rights and rules are in ``grader.manual_grading`` (writes) and ``grader.manual_grading_selectors``
(reads). Someone else's grade is "not found"; the staff pages answer 403 to the course's students.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import NotFoundError, PlatformError
from core.http import request_user
from grader import rubric
from grader.manual_grading import (
    grades_publish,
    grading_comment_add,
    grading_comment_delete,
    manual_grade_save,
    regrade_request_answer,
    regrade_request_file,
    rubric_set,
)
from grader.manual_grading_selectors import (
    comments_of,
    grade_marks,
    grades_published,
    grading_neighbours,
    grading_roster,
    grading_student_get,
    grading_submission_for,
    manual_grade_of,
    manual_grading_can_grade,
    manual_grading_can_manage,
    notebook_cells,
    regrade_requests_of,
    rubric_as_text,
    rubric_items,
    rubric_items_plain,
    rubric_points_text,
    student_grade_view,
)
from grader.models import Assignment, GradingComment, RegradeRequest, RegradeStatus
from grader.selectors import assignment_get_for_user, assignment_is_revealed, submission_view

# The marks a grader saved last, per assignment, kept in the session: the next ungraded student's form
# starts from them ("the rubric remembered"), shown as not saved until the grader saves.
LAST_MARKS_KEY = "grader:last-marks:%s"


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    try:
        return assignment_get_for_user(user=request_user(request), pk=pk)
    except NotFoundError:
        raise Http404("No such assignment.") from None


def _grading_assignment(request: HttpRequest, pk: int) -> Assignment:
    assignment = _assignment(request, pk)
    if not manual_grading_can_grade(user=request_user(request), assignment=assignment):
        raise PermissionDenied("Only the course's graders and instructors grade.")
    return assignment


def _marks_posted(request: HttpRequest, items: list) -> dict[int, object]:
    return {item.pk: request.POST.get(f"mark-{item.pk}", "") for item in items}


@login_required
@require_http_methods(["GET", "POST"])
def grading_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster of the assignment's students with their rubric grades; instructors set the rubric and
    publish the grades here."""
    user = request_user(request)
    assignment = _grading_assignment(request, pk)
    manager = manual_grading_can_manage(user=user, assignment=assignment)
    items = rubric_items(assignment=assignment)
    rubric_text = rubric_as_text(items=items)
    status = 200
    if request.method == "POST":
        try:
            if "rubric" in request.POST:
                rubric_text = request.POST.get("rubric", "")[:20000]
                rubric_set(assignment=assignment, by=user, text=rubric_text)
                messages.success(request, _("Rubric saved."))
            elif "publish" in request.POST:
                published = request.POST["publish"] == "1"
                grades_publish(assignment=assignment, by=user, published=published)
                messages.success(
                    request,
                    _("Grades published: students see their rubric, comments and points.")
                    if published
                    else _("Grades hidden from the students again."),
                )
        except PlatformError as error:
            messages.error(request, error.message)
            status = 400
        else:
            return redirect("grader:grading", pk=assignment.pk)
    rows = grading_roster(assignment=assignment)
    first = next((row for row in rows if row.submission_id is not None and row.grade is None), None)
    return render(
        request,
        "grader/grading.html",
        {
            "assignment": assignment,
            "rows": rows,
            "items": items,
            "rubric_max": rubric.rubric_max(rubric_items_plain(items=items)),
            "rubric_text": rubric_text,
            "manager": manager,
            "published": grades_published(assignment=assignment),
            "revealed": assignment_is_revealed(assignment=assignment),
            "first_ungraded": first,
            "graded_count": sum(1 for row in rows if row.grade is not None),
            "gradable_count": sum(1 for row in rows if row.submission_id is not None),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def grading_student(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """One student's submission that counts beside the rubric, the comments and any regrade request."""
    user = request_user(request)
    assignment = _grading_assignment(request, pk)
    student = grading_student_get(assignment=assignment, student_id=user_id)
    if student is None:
        raise Http404("No such student in this course.")
    submission = grading_submission_for(assignment=assignment, student=student)
    items = rubric_items(assignment=assignment)
    rows = grading_roster(assignment=assignment)
    previous, following = grading_neighbours(rows=rows, student_id=student.pk)
    here = reverse("grader:grading_student", args=[assignment.pk, student.pk])
    posted: dict[int, object] | None = None
    status = 200
    if request.method == "POST" and submission is not None:
        action = request.POST.get("action", "")
        try:
            if action in ("grade", "grade-next"):
                posted = _marks_posted(request, items)
                saved_grade = manual_grade_save(
                    assignment=assignment, student_id=student.pk, by=user, raw_marks=posted
                )
                request.session[LAST_MARKS_KEY % assignment.pk] = {
                    str(k): str(v) for k, v in grade_marks(grade=saved_grade).items()
                }
                messages.success(
                    request,
                    _("Saved %(points)s rubric points for %(who)s.")
                    % {
                        "points": rubric_points_text(saved_grade.points),
                        "who": student.neptun_code or student.username,
                    },
                )
                if action == "grade-next" and following is not None:
                    return redirect("grader:grading_student", pk=assignment.pk, user_id=following)
                return redirect(here)
            if action == "comment":
                cell_text = request.POST.get("cell", "").strip()
                if cell_text and not cell_text.isdigit():
                    raise PlatformError(_("The cell is its number, as the preview shows it."))
                grading_comment_add(
                    submission=submission,
                    by=user,
                    text=request.POST.get("text", ""),
                    cell=int(cell_text[:6]) if cell_text else None,
                )
                return redirect(here + "#comments")
            if action == "comment-delete":
                comment = get_object_or_404(
                    GradingComment, pk=request.POST.get("comment", "0") or 0, submission=submission
                )
                grading_comment_delete(comment=comment, by=user)
                return redirect(here + "#comments")
            if action in ("regrade-accept", "regrade-decline"):
                regrade = get_object_or_404(
                    RegradeRequest, pk=request.POST.get("request", "0") or 0, grade__assignment=assignment,
                    grade__student=student,
                )  # fmt: skip
                accept = action == "regrade-accept"
                posted = _marks_posted(request, items) if accept else None
                regrade_request_answer(
                    request=regrade,
                    by=user,
                    accept=accept,
                    answer=request.POST.get("answer", ""),
                    raw_marks=posted,
                )
                messages.success(request, _("The regrade request is answered."))
                return redirect(here)
        except PlatformError as error:
            messages.error(request, error.message)
            status = 400
    grade = manual_grade_of(assignment=assignment, student=student)
    saved = grade_marks(grade=grade)
    remembered = False
    if posted is not None:
        values = {item.pk: str(posted.get(item.pk, "")) for item in items}
    elif saved:
        values = {item.pk: rubric_points_text(saved.get(item.pk)) for item in items}
    else:
        last = request.session.get(LAST_MARKS_KEY % assignment.pk) or {}
        values = {
            item.pk: rubric_points_text(Decimal(last[str(item.pk)])) if str(item.pk) in last else ""
            for item in items
        }
        remembered = any(values.values())
    requests = regrade_requests_of(grade=grade)
    return render(
        request,
        "grader/grading_student.html",
        {
            "assignment": assignment,
            "student": student,
            "submission": submission,
            "view": submission_view(submission=submission, viewer=user) if submission else None,
            "items": [(item, values.get(item.pk, "")) for item in items],
            "rubric_max": rubric.rubric_max(rubric_items_plain(items=items)),
            "grade": grade,
            "remembered": remembered,
            "comments": list(comments_of(submission=submission)) if submission else [],
            "cells": notebook_cells(submission=submission) if submission else None,
            "requests": requests,
            "open_request": next((r for r in requests if r.status == RegradeStatus.OPEN), None),
            "previous": previous,
            "following": following,
            "position": next((i for i, row in enumerate(rows, start=1) if row.student.pk == student.pk), 0),
            "count": len(rows),
            "published": grades_published(assignment=assignment),
            "manager": manual_grading_can_manage(user=user, assignment=assignment),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_grade(request: HttpRequest, pk: int) -> HttpResponse:
    """The student's own published rubric grade, comments and points, and the regrade request form."""
    user = request_user(request)
    assignment = _assignment(request, pk)
    status = 200
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")[:5000]
        try:
            regrade_request_file(assignment=assignment, student=user, reason=reason)
        except NotFoundError:
            raise Http404("No published grade.") from None
        except PlatformError as error:
            messages.error(request, error.message)
            status = 400
        else:
            messages.success(request, _("Your regrade request is sent; you will see the answer here."))
            return redirect("grader:my_grade", pk=assignment.pk)
    view = student_grade_view(assignment=assignment, viewer=user)
    if view is None:
        raise Http404("No published grade.")
    return render(
        request,
        "grader/my_grade.html",
        {"assignment": assignment, "grade": view, "reason": reason},
        status=status,
    )
