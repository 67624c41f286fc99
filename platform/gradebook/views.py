"""Pages of the gradebook: the staff's table with exports, a student's detail page, "My grades", weights.

Thin: check who is asking, call one selector or service, render. Search, filter and sort are query
parameters (a plain GET form and header links), so the table works without JavaScript.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Course, Role, User
from accounts.selectors import course_role, courses_for_user
from core.errors import PlatformError
from core.http import request_user
from gradebook.arithmetic import Category
from gradebook.course_rules import (
    course_rules,
    grade_condition_add,
    grade_condition_remove,
    grading_scheme_set,
    standings_attach,
)
from gradebook.exports import gradebook_csv, gradebook_xlsx
from gradebook.forms import AdjustmentForm, ConditionForm, SearchForm, ThresholdsForm, WeightsForm
from gradebook.models import Adjustment, GradebookWeights
from gradebook.selectors import (
    SHOWS,
    Gradebook,
    gradebook_can_adjust,
    gradebook_can_set_weights,
    gradebook_can_view_all,
    gradebook_columns_for_course,
    gradebook_for_course,
    gradebook_rows_select,
    gradebook_student,
    gradebook_student_history,
)
from gradebook.services import adjustment_record, adjustment_withdraw, weights_set

CATEGORY_NAMES = {
    Category.QUIZ: gettext_lazy("Live quizzes"),
    Category.ASSIGNMENT: gettext_lazy("Homework"),
    Category.MILESTONE: gettext_lazy("Semester project"),
}


def _staff_course(request: HttpRequest, code: str) -> Course:
    # The course's marks thresholds come with it (course_rules reads them from the course: no query).
    course = get_object_or_404(Course.objects.select_related("grading_scheme"), code=code)
    if not gradebook_can_view_all(user=request_user(request), course=course):
        raise PermissionDenied(_("Only the course's instructors and graders see its gradebook."))
    return course


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The user's courses: the gradebook for staff, "My grades" for students (straight there if one)."""
    user = request_user(request)
    links = []
    for course in courses_for_user(user=user).order_by("code"):
        role = course_role(user=user, course=course)
        if role == Role.STUDENT:
            links.append((course, "gradebook:my_grades"))
        elif role is not None:
            links.append((course, "gradebook:course"))
    if len(links) == 1:
        course, name = links[0]
        return redirect(name, code=course.code)
    return render(request, "gradebook/index.html", {"links": links})


def _sort_links(params: dict[str, str], keys: list[str]) -> dict[str, str]:
    """For each sortable key, the query string that sorts by it (toggling the order when already so)."""
    links = {}
    for key in keys:
        order = "desc" if params.get("sort") == key and params.get("order") != "desc" else "asc"
        query = {
            k: v for k, v in params.items() if v and k not in ("sort", "order") and (k, v) != ("show", "all")
        }
        query.update(sort=key, order=order)
        links[key] = "?" + urlencode(query)
    return links


@login_required
@require_GET
def course_table(request: HttpRequest, code: str) -> HttpResponse:
    course = _staff_course(request, code)
    user = request_user(request)
    search = SearchForm(request.GET or None)
    params = {"q": "", "show": "all", "sort": "neptun", "order": "asc"}
    if search.is_valid():
        params.update({k: v for k, v in search.cleaned_data.items() if v})
    gradebook = gradebook_for_course(course=course)
    rules = course_rules(course=course)
    standings_attach(gradebook=gradebook, rules=rules)
    rows = gradebook_rows_select(
        rows=gradebook.rows,
        q=params["q"],
        show=params["show"] if params["show"] in SHOWS else "all",
        sort=params["sort"],
        descending=params["order"] == "desc",
    )
    keys = ["neptun", "name", "total", *[c.key for c in gradebook.columns]]
    return render(
        request,
        "gradebook/course.html",
        {
            "course": course,
            "gradebook": gradebook,
            "rows": rows,
            "search": search if search.is_bound else SearchForm(),
            "params": params,
            "sort_links": _sort_links(params, keys),
            "categories": [(c.value, CATEGORY_NAMES[c]) for c in Category],
            "can_set_weights": gradebook_can_set_weights(user=user, course=course),
            "rules": rules,
        },
    )


def _gradebook_with_standings(course: Course) -> Gradebook:
    gradebook = gradebook_for_course(course=course)
    standings_attach(gradebook=gradebook)
    return gradebook


@login_required
@require_GET
def export_csv(request: HttpRequest, code: str) -> HttpResponse:
    course = _staff_course(request, code)
    response = HttpResponse(
        gradebook_csv(gradebook=_gradebook_with_standings(course)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{course.code}-gradebook.csv"'
    return response


@login_required
@require_GET
def export_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    course = _staff_course(request, code)
    response = HttpResponse(
        gradebook_xlsx(gradebook=_gradebook_with_standings(course)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{course.code}-gradebook.xlsx"'
    return response


def _history_page(
    request: HttpRequest,
    course: Course,
    student: User,
    *,
    as_student: bool,
    form: AdjustmentForm | None = None,
) -> HttpResponse:
    user = request_user(request)
    history = gradebook_student_history(course=course, student=student, as_student=as_student)
    rules = course_rules(course=course)
    standings_attach(gradebook=history.gradebook, rules=rules)
    if form is None and not as_student:
        form = AdjustmentForm(
            columns=history.gradebook.columns,
            allow_override=gradebook_can_adjust(user=user, course=course, kind="override"),
        )
    return render(
        request,
        "gradebook/student.html",
        {
            "course": course,
            "student": student,
            "history": history,
            "row": history.row,
            "gradebook": history.gradebook,
            "as_student": as_student,
            "form": form,
            "categories": [(c.value, CATEGORY_NAMES[c]) for c in Category],
            "can_override": gradebook_can_adjust(user=user, course=course, kind="override"),
            "rules": rules,
            "standing": history.row.standing,
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
@require_GET
def my_grades(request: HttpRequest, code: str) -> HttpResponse:
    """A student's own row and the history behind it; staff are sent to the whole gradebook."""
    course = get_object_or_404(Course, code=code)
    user = request_user(request)
    role = course_role(user=user, course=course)
    if role in (Role.INSTRUCTOR, Role.GRADER):
        return redirect("gradebook:course", code=course.code)
    if role != Role.STUDENT:
        raise PermissionDenied(_("This page is for the course's students."))
    return _history_page(request, course, user, as_student=True)


def _student_or_404(course: Course, neptun_code: str) -> User:
    student = gradebook_student(course=course, neptun_code=neptun_code)
    if student is None:
        raise Http404(_("No student with this Neptun code in the course."))
    return student


@login_required
@require_GET
def student_detail(request: HttpRequest, code: str, neptun_code: str) -> HttpResponse:
    course = _staff_course(request, code)
    return _history_page(request, course, _student_or_404(course, neptun_code), as_student=False)


@login_required
@require_POST
def adjustment_new(request: HttpRequest, code: str, neptun_code: str) -> HttpResponse:
    course = _staff_course(request, code)
    student = _student_or_404(course, neptun_code)
    user = request_user(request)
    form = AdjustmentForm(
        request.POST,
        columns=gradebook_columns_for_course(course=course),
        allow_override=gradebook_can_adjust(user=user, course=course, kind="override"),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            adjustment_record(
                course=course,
                student=student,
                column_key=data["column"],
                kind=data["kind"],
                reason=data["reason"],
                by=user,
                points=data.get("points"),
                extension_days=data.get("extension_days"),
            )
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Adjustment recorded."))
            return redirect("gradebook:student", code=course.code, neptun_code=student.neptun_code)
    return _history_page(request, course, student, as_student=False, form=form)


@login_required
@require_POST
def adjustment_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = get_object_or_404(Adjustment.objects.select_related("course", "student"), pk=pk)
    _staff_course(request, adjustment.course.code)
    try:
        adjustment_withdraw(adjustment=adjustment, by=request_user(request))
    except PlatformError as error:
        raise PermissionDenied(error.message) from None
    messages.success(request, _("Adjustment withdrawn; it stays on the record."))
    return redirect(
        "gradebook:student", code=adjustment.course.code, neptun_code=adjustment.student.neptun_code
    )


@login_required
@require_http_methods(["GET", "POST"])
def weights(request: HttpRequest, code: str) -> HttpResponse:
    course = get_object_or_404(Course, code=code)
    user = request_user(request)
    if not gradebook_can_set_weights(user=user, course=course):
        raise PermissionDenied(_("Only the course's instructors set the gradebook's weights."))
    instance = GradebookWeights.objects.filter(course=course).first() or GradebookWeights(course=course)
    form = WeightsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            weights_set(
                course=course,
                by=user,
                quiz=form.cleaned_data["quiz_weight"],
                assignment=form.cleaned_data["assignment_weight"],
                milestone=form.cleaned_data["milestone_weight"],
            )
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Weights saved."))
            return redirect("gradebook:course", code=course.code)
    return render(
        request,
        "gradebook/weights.html",
        {"course": course, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest, code: str) -> HttpResponse:
    """Instructors: the marks' thresholds and the signature and offered-grade conditions."""
    course = get_object_or_404(Course, code=code)
    user = request_user(request)
    if not gradebook_can_set_weights(user=user, course=course):
        raise PermissionDenied(_("Only the course's instructors set the signature and mark rules."))
    columns = gradebook_columns_for_course(course=course)
    current = course_rules(course=course)
    thresholds_form = ThresholdsForm(initial=ThresholdsForm.initial_for(current.thresholds))
    condition_form = ConditionForm(columns=columns)
    status = 200
    remove_error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "thresholds":
            thresholds_form = ThresholdsForm(request.POST)
            if thresholds_form.is_valid():
                try:
                    grading_scheme_set(course=course, by=user, **thresholds_form.cleaned_data)
                except PlatformError as error:
                    thresholds_form.add_error(None, error.message)
                else:
                    messages.success(request, _("Mark thresholds saved."))
                    return redirect("gradebook:rules", code=course.code)
        elif action == "add":
            condition_form = ConditionForm(request.POST, columns=columns)
            if condition_form.is_valid():
                try:
                    grade_condition_add(course=course, by=user, **condition_form.cleaned_data)
                except PlatformError as error:
                    condition_form.add_error(None, error.message)
                else:
                    messages.success(request, _("Condition added."))
                    return redirect("gradebook:rules", code=course.code)
        elif action == "remove":
            raw = request.POST.get("condition") or ""
            try:
                grade_condition_remove(course=course, by=user, condition_id=int(raw) if raw.isdigit() else 0)
            except PlatformError as error:
                remove_error = error.message
            else:
                messages.success(request, _("Condition removed."))
                return redirect("gradebook:rules", code=course.code)
        status = 400
    return render(
        request,
        "gradebook/rules.html",
        {
            "course": course,
            "rules": current,
            "columns": {c.key: c for c in columns},
            "thresholds_form": thresholds_form,
            "condition_form": condition_form,
            "remove_error": remove_error,
        },
        status=status,
    )
