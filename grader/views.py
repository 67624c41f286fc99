"""Pages of the autograder: assignments, upload, my submissions (live), leaderboards, staff pages.

Thin: check who is asking, call one selector or service, render. Someone else's submission, log or file
answers 404 (its existence is not confirmed); staff pages answer 403 to students. The hidden labels have
no URL at all: only the names listed in the task's ``public/`` folder can be downloaded.
"""

from __future__ import annotations

import csv
import mimetypes
from pathlib import Path
from typing import Any

import markdown
import nh3
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Course, User
from accounts.selectors import course_is_instructor, course_is_staff, user_is_teaching_staff
from core.errors import NotFoundError, PlatformError
from core.http import request_user
from core.renderers import finite
from grader import problem_catalog
from grader.assets import asset_add, asset_get, asset_remove, assets_of_assignment
from grader.failures import failure_excerpt
from grader.forms import AssignmentForm, SubmissionUploadForm
from grader.manual_grading_selectors import manual_grade_published_for
from grader.models import Assignment, Submission, SubmissionKind, SubmissionStatus, SubmissionVerdict
from grader.selectors import (
    assignment_cards_for_user,
    assignment_get_for_user,
    assignment_is_open,
    assignment_is_revealed,
    assignment_reference,
    assignment_reveal_at,
    assignment_standings_for_staff,
    grading_queue_rows,
    grading_workers,
    leaderboard_for_assignment,
    submission_delay_notice,
    submission_get_for_user,
    submission_history_for_staff,
    submission_is_delayed,
    submission_view,
    submissions_flagged,
    submissions_of_user,
    submissions_today_count,
)
from grader.services import assignment_create, assignment_regrade, assignment_update, submission_create
from grader.upload_turns import upload_turn

# A student's executed notebook may hold any HTML and JavaScript. It is served as a sandboxed document
# (no scripts, a unique origin, nothing loaded from elsewhere), so it cannot act with the viewer's session.
NOTEBOOK_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline' data:; img-src data:; font-src data:; "
    "frame-ancestors 'self'"
)
# Every cell of the preview shows its position ("Cell 3"): the number graders' comments refer to. A style
# appended to the page (nbconvert's cells are ``div.cell`` in order); the sandbox CSP allows inline styles.
NOTEBOOK_CELL_NUMBERS = (
    "<style>body{counter-reset:nbcell}div.cell{counter-increment:nbcell}"
    'div.cell::before{content:"%s " counter(nbcell);display:block;font:600 12px sans-serif;color:#5b6570}'
    "</style>"
)
ACCEPT = {
    SubmissionKind.PREDICTIONS: ".csv",
    SubmissionKind.NOTEBOOK: ".ipynb",
    SubmissionKind.SCRIPT: ".py",
    SubmissionKind.MODEL: ".pt,.pth",
}
TOP_ROWS = 5  # of the public leaderboard on the assignment page (and the viewer's row if further down)
MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    try:
        return assignment_get_for_user(user=request_user(request), pk=pk)
    except NotFoundError:
        raise Http404("No such assignment.") from None


def _staff_assignment(request: HttpRequest, pk: int) -> Assignment:
    assignment = _assignment(request, pk)
    if not course_is_staff(user=request_user(request), course=assignment.course):
        raise PermissionDenied("Only the course's instructors and graders see this page.")
    return assignment


def _submission(request: HttpRequest, pk: int) -> Submission:
    try:
        return submission_get_for_user(user=request_user(request), pk=pk)
    except NotFoundError:
        raise Http404("No such submission.") from None


def markdown_html(text: str) -> str:
    """The assignment's Markdown as HTML with anything active (scripts, handlers, styles) removed."""
    return nh3.clean(markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS))


def _public_files(assignment: Assignment) -> list[tuple[str, int]]:
    """(name, size) of the files in the task's ``public/`` folder: the only task files that are served."""
    try:
        public = problem_catalog.catalog_prepare(assignment.task_key) / "public"
    except (problem_catalog.BundleError, KeyError):
        return []
    return sorted(
        (p.name, p.stat().st_size)
        for p in public.iterdir()
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    )


def _status_json(view: dict[str, Any]) -> dict[str, Any]:
    """What the live status on the assignment page needs (already cut to what the viewer may see)."""
    return {
        "id": view["id"],
        "status": view["status"],
        "status_label": SubmissionStatus(view["status"]).label,
        "queue_position": view["queue_position"],
        "verdict": view["verdict"],
        "verdict_label": SubmissionVerdict(view["verdict"]).label if view["verdict"] else None,
        "verdict_detail": view["verdict_detail"],
        "delayed": view["delayed"],
        "notice": view["notice"],
        "score_public": view["score_public"],
        "score": view["score"],
        "points": str(view["points"]) if view["points"] is not None else None,
        "done": view["status"] in (SubmissionStatus.SCORED, SubmissionStatus.FAILED),
    }


# --- students (and everyone enrolled) ---------------------------------------------------------------------


@login_required
@require_GET
def assignment_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "grader/assignment_list.html",
        {
            "courses": assignment_cards_for_user(user=user),
            "now": timezone.now(),
            "teaching_staff": user_is_teaching_staff(user=user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    assignment = _assignment(request, pk)
    accept = [ACCEPT[SubmissionKind(k)] for k in assignment.kinds if k in SubmissionKind.values]
    received_at = timezone.now()  # the body is in; the upload is judged by this, not by its turn
    # An upload is parsed (request.FILES), checked and stored in one of the process's upload turns.
    with upload_turn(when=request.method == "POST"):
        form = SubmissionUploadForm(request.POST or None, request.FILES or None, accept=accept)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                submission = submission_create(
                    assignment=assignment, user=user, upload=upload, name=upload.name, received_at=received_at
                )
            except PlatformError as error:
                form.add_error("file", error.message)
            else:
                if submission_is_delayed(submission=submission):
                    messages.warning(
                        request,
                        _("Received %(name)s.") % {"name": submission.original_name}
                        + " "
                        + submission_delay_notice(submission=submission),
                    )
                else:
                    messages.success(
                        request,
                        _("Received %(name)s: it is in the grading queue.")
                        % {"name": submission.original_name},
                    )
                return redirect("grader:assignment", pk=assignment.pk)
    staff = course_is_staff(user=user, course=assignment.course)
    mine = [
        submission_view(submission=s, viewer=user)
        for s in submissions_of_user(user=user, assignment=assignment)
    ]
    board = leaderboard_for_assignment(assignment=assignment, viewer=user)
    my_row = board.viewer_row
    return render(
        request,
        "grader/assignment_detail.html",
        {
            "assignment": assignment,
            "description": markdown_html(assignment.description),
            "form": form,
            "mine": mine,
            "waiting": any(not _status_json(v)["done"] for v in mine),
            "files": _public_files(assignment),
            "slide_differences": _slide_differences(assignment),
            "assets": assets_of_assignment(assignment=assignment),
            "kinds": [SubmissionKind(k).label for k in assignment.kinds],
            "reference": assignment_reference(assignment=assignment) if staff else None,
            "flagged": submissions_flagged(assignment=assignment) if staff else [],
            "revealed": assignment_is_revealed(assignment=assignment),
            "reveal_at": assignment_reveal_at(assignment=assignment),
            "is_open": assignment_is_open(assignment=assignment),
            "used_today": submissions_today_count(assignment=assignment, user=user),
            "staff": staff,
            "instructor": course_is_instructor(user=user, course=assignment.course),
            "my_grade_published": not staff
            and manual_grade_published_for(assignment=assignment, student=user),
            "now": timezone.now(),
            "board": board,
            "top_rows": board.rows[:TOP_ROWS],
            "my_row_outside": my_row if my_row and my_row.rank > TOP_ROWS else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
@never_cache
def my_submissions_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The live status of the viewer's own submissions to the assignment (polled by the page)."""
    user = request_user(request)
    assignment = _assignment(request, pk)
    rows = [
        _status_json(submission_view(submission=s, viewer=user))
        for s in submissions_of_user(user=user, assignment=assignment)
    ]
    return JsonResponse(finite({"submissions": rows}))


@login_required
@require_GET
def public_file(request: HttpRequest, pk: int, name: str) -> FileResponse:
    """A file of the task's public folder (listed names only: nothing else can be reached)."""
    assignment = _assignment(request, pk)
    if name not in {file_name for file_name, _ in _public_files(assignment)}:
        raise Http404("No such file.")
    path = problem_catalog.catalog_prepare(assignment.task_key) / "public" / name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@login_required
@require_GET
def asset_download(request: HttpRequest, pk: int, asset: str) -> FileResponse:
    """One of the assignment's read-only files (its own only), always as a download."""
    assignment = _assignment(request, pk)
    try:
        stored = asset_get(assignment=assignment, name=asset)
    except NotFoundError:
        raise Http404("No such file.") from None
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from the store.") from None
    return FileResponse(handle, as_attachment=True, filename=stored.name)


@login_required
@require_POST
def asset_remove_view(request: HttpRequest, pk: int, asset: str) -> HttpResponse:
    assignment = _assignment(request, pk)
    if not course_is_instructor(user=request_user(request), course=assignment.course):
        raise PermissionDenied("Only the course's instructors can remove an assignment's files.")
    try:
        stored = asset_get(assignment=assignment, name=asset)
        asset_remove(asset=stored, by=request_user(request))
    except NotFoundError:
        raise Http404("No such file.") from None
    except PlatformError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s removed.") % {"name": stored.name})
    return redirect("grader:assignment_edit", pk=assignment.pk)


def _form_assets(form: AssignmentForm) -> list[tuple[str, Any, str]]:
    upload = form.cleaned_data.get("asset")
    if not upload:
        return []
    return [(upload.name, upload, form.cleaned_data.get("asset_description") or "")]


@login_required
@require_GET
def leaderboard(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    assignment = _assignment(request, pk)
    private = request.GET.get("board") == "private"
    board = leaderboard_for_assignment(assignment=assignment, viewer=user, private=private)
    return render(
        request,
        "grader/leaderboard.html",
        {
            "assignment": assignment,
            "board": board,
            "staff": board.staff,
            "revealed": assignment_is_revealed(assignment=assignment),
        },
    )


@login_required
@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    submission = _submission(request, pk)
    view = submission_view(submission=submission, viewer=user)
    return render(
        request,
        "grader/submission_detail.html",
        {
            "submission": submission,
            "view": view,
            "assignment": submission.assignment,
            "staff": course_is_staff(user=user, course=submission.assignment.course),
            "own": submission.user_id == user.pk,
            "failure_lines": failure_excerpt(view["failure"]) if view["failure"] else [],
        },
    )


def _slide_differences(assignment: Assignment) -> str:
    """Where the course's slides and the assignment's task differ, translated ("" when nowhere)."""
    try:
        text = problem_catalog.catalog_problem(assignment.task_key).slide_differences
    except (problem_catalog.BundleError, KeyError):
        return ""
    return _(text) if text else ""


@login_required
@require_GET
def assignment_runtime(request: HttpRequest, pk: int) -> HttpResponse:
    """What a run of this assignment gets: packages and versions, limits, paths, the working folder."""
    from django.conf import settings

    from grader import runtime

    assignment = _assignment(request, pk)
    return render(
        request,
        "grader/runtime.html",
        {
            "assignment": assignment,
            "packages": runtime.runtime_packages(),
            "python": runtime.runtime_python(),
            "limits": runtime.runtime_limits(
                wall_seconds=assignment.wall_seconds,
                memory_mb=assignment.memory_mb,
                gpu=assignment.use_gpu and bool(settings.GRADER_USE_GPU),
            ),
            "paths": runtime.runtime_paths(),
            "environment": runtime.runtime_environment(),
            "slide_differences": _slide_differences(assignment),
        },
    )


@login_required
@require_GET
@never_cache
def submission_status(request: HttpRequest, pk: int) -> JsonResponse:
    """One submission's live status as JSON (the same fields the assignment page polls)."""
    submission = _submission(request, pk)
    return JsonResponse(
        finite(_status_json(submission_view(submission=submission, viewer=request_user(request))))
    )


@login_required
@require_GET
def submission_file(request: HttpRequest, pk: int) -> FileResponse:
    """The uploaded file, always as a download (never rendered in our origin)."""
    submission = _submission(request, pk)
    content_type = mimetypes.guess_type(submission.original_name)[0] or ""
    response = FileResponse(
        submission.file.open("rb"), as_attachment=True, filename=Path(submission.original_name).name
    )
    safe_text = content_type in ("text/csv", "text/plain", "text/x-python")
    response["Content-Type"] = content_type if safe_text else "application/octet-stream"
    return response


def _cell_numbers_style() -> bytes:
    word = "".join(ch for ch in _("Cell") if ch.isalnum() or ch == " ")  # nothing that ends the CSS string
    return (NOTEBOOK_CELL_NUMBERS % word).encode()


@login_required
@require_GET
@xframe_options_sameorigin
def submission_notebook(request: HttpRequest, pk: int) -> HttpResponse:
    """The executed notebook as HTML, in a CSP sandbox (see NOTEBOOK_CSP)."""
    submission = _submission(request, pk)
    if not submission.executed_html:
        raise Http404("No executed notebook for this submission.")
    with submission.executed_html.open("rb") as handle:
        response = HttpResponse(
            handle.read() + _cell_numbers_style(), content_type="text/html; charset=utf-8"
        )
    response["Content-Security-Policy"] = NOTEBOOK_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- staff ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def assignment_students(request: HttpRequest, pk: int) -> HttpResponse:
    """Every enrolled student of the assignment's course with the submission that counts (staff)."""
    assignment = _staff_assignment(request, pk)
    return render(
        request,
        "grader/students.html",
        {
            "assignment": assignment,
            "standings": assignment_standings_for_staff(assignment=assignment),
            "reference": assignment_reference(assignment=assignment),
            "instructor": course_is_instructor(user=request_user(request), course=assignment.course),
        },
    )


@login_required
@require_GET
def assignment_results_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The staff's export: one line per student (Neptun code, the counting submission's scores, points)."""
    assignment = _staff_assignment(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="assignment-{assignment.pk}-results.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "neptun_code",
            "name",
            "submissions",
            "submission_id",
            "score_public",
            "score_private",
            "score",
            "late_days",
            "points",
        ]  # fmt: skip
    )
    for row in assignment_standings_for_staff(assignment=assignment):
        writer.writerow(
            [
                row.user.neptun_code or row.user.username,
                row.user.display_name,
                row.submissions,
                row.counting_id or "",
                _csv(row.score_public),
                _csv(row.score_private),
                _csv(row.score),
                row.late_days if row.counting_id else "",
                row.points if row.points is not None else "",
            ]  # fmt: skip
        )
    return response


def _csv(value: float | None) -> str:
    return "" if value is None else repr(value)


@login_required
@require_GET
def student_history(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    assignment = _staff_assignment(request, pk)
    # Only a student of this course: the staff of B must not look up anyone else's name by id.
    student = get_object_or_404(User, pk=user_id, enrollments__course=assignment.course)
    viewer = request_user(request)
    history = [
        (s, submission_view(submission=s, viewer=viewer))
        for s in submission_history_for_staff(assignment=assignment, user_id=user_id)
    ]
    return render(
        request,
        "grader/student_history.html",
        {"assignment": assignment, "history": history, "student": student},
    )


@login_required
@require_GET
def grading_queue(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not user_is_teaching_staff(user=user):
        raise PermissionDenied("The grading queue is for the course staff.")
    return render(
        request,
        "grader/queue.html",
        {"rows": grading_queue_rows(user=user), "workers": grading_workers(), "now": timezone.now()},
    )


@login_required
@require_POST
def assignment_regrade_view(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    if not course_is_instructor(user=request_user(request), course=assignment.course):
        raise PermissionDenied("Only the course's instructors can regrade an assignment.")
    count = assignment_regrade(assignment=assignment, by=request_user(request))
    messages.success(
        request,
        _("%(count)s submissions (the reference's included) queued for regrading.") % {"count": count},
    )
    return redirect("grader:assignment", pk=assignment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_new(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    course = get_object_or_404(Course, code=code)
    if not course_is_instructor(user=user, course=course):
        raise PermissionDenied("Only the course's instructors can create assignments.")
    form = AssignmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = assignment_create(
                course=course,
                by=user,
                task_key=form.cleaned_data["task"] or None,
                bundle=form.cleaned_data["bundle"] or None,
                rules=form.rules(),
                reference_epochs=form.cleaned_data["reference_epochs"],
                assets=_form_assets(form),
            )
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Assignment created; the reference solution is being graded as the baseline.")
            )
            if assignment.leak_report:
                messages.warning(request, assignment.leak_report)
            return redirect("grader:assignment", pk=assignment.pk)
    return render(
        request,
        "grader/assignment_form.html",
        {"form": form, "course": course, "assignment": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    assignment = _assignment(request, pk)
    if not course_is_instructor(user=user, course=assignment.course):
        raise PermissionDenied("Only the course's instructors can change an assignment.")
    form = AssignmentForm(request.POST or None, request.FILES or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            for name, upload, description in _form_assets(form):
                asset_add(assignment=assignment, by=user, upload=upload, name=name, description=description)
            regraded = assignment_update(assignment=assignment, by=user, rules=form.rules())
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            note = (
                " "
                + _("The public fraction changed: %(count)s submissions are being regraded.")
                % {"count": regraded}
                if regraded
                else ""
            )
            messages.success(request, _("Assignment saved.") + note)
            return redirect("grader:assignment", pk=assignment.pk)
    return render(
        request,
        "grader/assignment_form.html",
        {
            "form": form,
            "course": assignment.course,
            "assignment": assignment,
            "assets": assets_of_assignment(assignment=assignment),
        },
        status=400 if request.method == "POST" else 200,
    )
