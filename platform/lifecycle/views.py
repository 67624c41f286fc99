"""Pages of a term's life: the instructors' term page (close, reopen, retention, copy), the frozen final
export, the grade audit log, and every user's "My data" download. Thin: check who asks, call a service."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Course
from accounts.selectors import course_is_instructor, course_is_staff
from core.errors import PlatformError
from core.http import request_user
from core.models import GradeAuditEntry
from lifecycle.forms import CopyForm, ReopenForm, RetentionForm
from lifecycle.models import CourseTerm, TermEvent
from lifecycle.services import (
    course_close,
    course_copy,
    course_erasure_due,
    course_personal_data_erase,
    course_reopen,
    course_retention_set,
    course_term,
    personal_data_export,
)

# One export a minute per person: it reads every file they uploaded.
EXPORT_INTERVAL_SECONDS = 60


def _instructor_course(request: HttpRequest, code: str) -> Course:
    course = get_object_or_404(Course, code=code)
    user = request_user(request)
    if not (user.is_superuser or course_is_instructor(user=user, course=course)):
        raise PermissionDenied(_("Only the course's instructors manage its term."))
    return course


@login_required
@require_http_methods(["GET", "POST"])
def term(request: HttpRequest, code: str) -> HttpResponse:
    """The course's staff see the term's state and when its personal data goes; instructors change it."""
    course = get_object_or_404(Course, code=code)
    user = request_user(request)
    if not (user.is_superuser or course_is_staff(user=user, course=course)):
        raise PermissionDenied(_("Only the course's staff see its term."))
    can_manage = user.is_superuser or course_is_instructor(user=user, course=course)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(_("Only the course's instructors manage its term."))
    copy_form = CopyForm(prefix="copy")
    reopen_form = ReopenForm(prefix="reopen")
    state = course_term(course=course)
    retention_form = RetentionForm(prefix="retention", initial={"retention_days": state.retention_days})
    plan = None
    erasure = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "close":
                course_close(course=course, by=user)
                messages.success(request, _("The term is closed: the course is read-only now."))
                return redirect("lifecycle:term", code=course.code)
            if action == "reopen":
                reopen_form = ReopenForm(request.POST, prefix="reopen")
                if reopen_form.is_valid():
                    course_reopen(course=course, by=user, reason=reopen_form.cleaned_data["reason"])
                    messages.success(request, _("The term is open again; the reopening is on the record."))
                    return redirect("lifecycle:term", code=course.code)
            elif action == "retention":
                retention_form = RetentionForm(request.POST, prefix="retention")
                if retention_form.is_valid():
                    course_retention_set(
                        course=course, by=user, days=retention_form.cleaned_data["retention_days"]
                    )
                    messages.success(request, _("The retention period is saved."))
                    return redirect("lifecycle:term", code=course.code)
            elif action == "copy":
                copy_form = CopyForm(request.POST, prefix="copy")
                if copy_form.is_valid():
                    data = copy_form.cleaned_data
                    plan = course_copy(
                        source=course,
                        code=data["code"],
                        term=data["term"],
                        offset_days=data["shift_days"],
                        by=user,
                        dry_run=data["dry_run"],
                    )
                    if not plan.dry_run:
                        messages.success(request, _("%(code)s is ready.") % {"code": plan.target_code})
            elif action == "erasure_preview":
                due = course_erasure_due(course=course)
                if due is None:
                    raise PlatformError("personal_data_erased_only")
                erasure = course_personal_data_erase(course=course, due=due, dry_run=True)
            else:
                raise PlatformError("unknown_action")
        except PlatformError as error:
            messages.error(request, error.message)
            status = 400
        if status == 200 and plan is None and erasure is None:
            status = 400  # a form with errors
    state = course_term(course=course)
    context = {
        "course": course,
        "state": state,
        "due": course_erasure_due(course=course),
        "events": TermEvent.objects.filter(course=course).select_related("by")[:20],
        "copy_form": copy_form,
        "reopen_form": reopen_form,
        "retention_form": retention_form,
        "plan": plan,
        "erasure": erasure,
        "can_manage": can_manage,
    }
    return render(request, "lifecycle/term.html", context, status=status)


@login_required
@require_GET
def final_export(request: HttpRequest, code: str) -> HttpResponse:
    course = get_object_or_404(Course, code=code)
    user = request_user(request)
    if not (user.is_superuser or course_is_staff(user=user, course=course)):
        raise PermissionDenied(_("Only the course's staff download its final grades."))
    state = CourseTerm.objects.filter(course=course).exclude(final_export_at=None).first()
    if state is None or state.final_export_at is None:
        raise Http404(_("The term has not been closed yet: there is no final export."))
    response = HttpResponse(state.final_export_csv, content_type="text/csv; charset=utf-8")
    name = f"{course.code}-final-{state.final_export_at:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-SHA256"] = state.final_export_sha256
    return response


@login_required
@require_GET
def audit(request: HttpRequest, code: str) -> HttpResponse:
    course = _instructor_course(request, code)
    entries = GradeAuditEntry.objects.filter(course=course).select_related("by", "student")[:500]
    return render(request, "lifecycle/audit.html", {"course": course, "entries": entries})


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(request, "lifecycle/my_data.html", {"person": user})


@login_required
@require_GET
def my_data_download(request: HttpRequest) -> HttpResponse | FileResponse:
    """The zip of everything about the logged-in person; always theirs, never anyone else's."""
    user = request_user(request)
    if not cache.add(f"lifecycle:my-data:{user.pk}", 1, EXPORT_INTERVAL_SECONDS):
        messages.error(request, _("Your data was just downloaded; try again in a minute."))
        return render(request, "lifecycle/my_data.html", {"person": user}, status=429)
    # A temporary file, not memory: a term's uploads of one student can be hundreds of MB.
    out = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it when sent)
    personal_data_export(user=user, out=out)
    out.seek(0)
    name = f"my-data-{user.neptun_code or user.username}-{timezone.now():%Y%m%d}.zip"
    return FileResponse(out, as_attachment=True, filename=name, content_type="application/zip")
