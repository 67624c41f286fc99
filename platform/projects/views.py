"""Pages of the semester project: the student's "My project", the staff's list and grading page, PDFs.

Thin: check who is asking, call one service or selector, render. PlatformError becomes a form error
or a message. Another team's files answer 404, so their existence is not revealed.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Course, Role
from accounts.selectors import course_is_instructor, course_is_staff, course_role, courses_for_user
from core.errors import PlatformError
from core.http import request_user
from projects.forms import (
    GradeForm,
    MemberAddForm,
    MilestoneForm,
    ProjectRegisterForm,
    SubmissionForm,
    TeamRulesForm,
)
from projects.models import Milestone, MilestoneSubmission, Project, TeamInvitation, TeamRules
from projects.selectors import (
    MAX_TEAM_SIZE,
    milestones_for_course,
    project_can_view,
    project_for_student,
    project_is_member,
    project_overview,
    project_overviews,
    rubric_for_milestone,
    submission_history,
    teams_close_at,
)
from projects.services import (
    milestone_defaults_create,
    milestone_grade,
    milestone_submit,
    milestone_update,
    project_member_invite,
    project_member_remove,
    team_invitation_answer,
    team_rules_set,
)
from projects.services import project_register as project_register_service


def _course_for_student(request: HttpRequest, code: str) -> Course:
    course = get_object_or_404(Course, code=code)
    if course_role(user=request_user(request), course=course) != Role.STUDENT:
        raise PermissionDenied("The project pages are for the course's students.")
    return course


def _course_for_staff(request: HttpRequest, course: Course) -> None:
    if not course_is_staff(user=request_user(request), course=course):
        raise PermissionDenied("Only the course's instructors and graders see all projects.")


def _member_project(request: HttpRequest, project_id: int) -> Project:
    project = get_object_or_404(Project.objects.select_related("course"), id=project_id)
    if not project_is_member(project=project, user=request_user(request)):
        raise Http404("No such project.")
    return project


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Where "Projects" on the home page leads: straight to the page, or a choice of courses."""
    user = request_user(request)
    links = []
    for course in courses_for_user(user=user):
        role = course_role(user=user, course=course)
        if role == Role.STUDENT:
            links.append((course, "projects:my_project", _("My project")))
        elif role is not None:
            links.append((course, "projects:course_projects", _("Projects and grading")))
    if len(links) == 1:
        course, name, _label = links[0]
        return redirect(name, code=course.code)
    return render(request, "projects/index.html", {"links": links})


def _my_project_page(
    request: HttpRequest,
    course: Course,
    *,
    register_form: ProjectRegisterForm | None = None,
    bound: SubmissionForm | None = None,
    member_form: MemberAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    project = project_for_student(course=course, user=user)
    context: dict[str, Any] = {
        "course": course,
        "project": project,
        "now": timezone.now(),
        "teams_close_at": teams_close_at(course=course),
    }
    if project is None:
        context["register_form"] = register_form or ProjectRegisterForm()
        context["max_team_size"] = MAX_TEAM_SIZE
        context["invitations"] = list(
            TeamInvitation.objects.filter(project__course=course, student=user).select_related(
                "project", "invited_by"
            )
        )
        return render(request, "projects/my_project.html", context, status=status)
    overview = project_overview(project=project)
    rows = []
    # The next milestone to hand in shows its form open; the others are one tap away.
    next_due = next((s.milestone.id for s in overview.statuses if not s.submitted and not s.grade), None)
    for milestone_status in overview.statuses:
        milestone = milestone_status.milestone
        latest = milestone_status.latest
        form = None
        if milestone_status.grade is None:
            if bound is not None and bound.prefix == f"m{milestone.id}":
                form = bound
            else:
                initial: dict[str, Any] = {"in_english": latest.in_english} if latest else {}
                if latest and latest.repository_url:
                    initial["repository_url"] = latest.repository_url
                elif project.repository_url:
                    initial["repository_url"] = project.repository_url
                form = SubmissionForm(
                    milestone=milestone, has_pdf=bool(latest and latest.pdf), initial=initial
                )
        is_open = form is not None and (form is bound or milestone.id == next_due)
        rows.append({"status": milestone_status, "form": form, "open": is_open})
    members = list(project.members.select_related("student"))
    invited = list(project.invitations.select_related("student"))
    context.update(
        overview=overview,
        rows=rows,
        members=members,
        invited=invited,
        can_invite=len(members) + len(invited) < MAX_TEAM_SIZE,
        member_form=member_form or MemberAddForm(),
        max_team_size=MAX_TEAM_SIZE,
    )
    return render(request, "projects/my_project.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def my_project(request: HttpRequest, code: str) -> HttpResponse:
    """The student's project: register a team, then see members, milestones, submit, see grades."""
    course = get_object_or_404(Course, code=code)
    if course_is_staff(user=request_user(request), course=course):
        return redirect("projects:course_projects", code=course.code)
    course = _course_for_student(request, code)
    if request.method == "GET":
        return _my_project_page(request, course)
    form = ProjectRegisterForm(request.POST)
    if form.is_valid():
        try:
            project = project_register_service(
                course=course,
                registered_by=request_user(request),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                member_codes=form.member_codes(),
            )
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your team “%(title)s” is registered.") % {"title": project.title})
            return redirect("projects:my_project", code=course.code)
    return _my_project_page(request, course, register_form=form, status=400)


@login_required
@require_POST
def member_change(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _member_project(request, project_id)
    user = request_user(request)
    try:
        if request.POST.get("action") == "leave":
            project_member_remove(project=project, neptun_code=user.neptun_code or "", by=user)
            messages.success(request, _("You left the team “%(title)s”.") % {"title": project.title})
        else:
            form = MemberAddForm(request.POST)
            if not form.is_valid():
                return _my_project_page(request, project.course, member_form=form, status=400)
            invitation = project_member_invite(
                project=project, neptun_code=form.cleaned_data["neptun_code"], by=user
            )
            messages.success(
                request,
                _("%(name)s is invited; they join the team when they accept.")
                % {"name": invitation.student.display_name},
            )
    except PlatformError as error:
        messages.error(request, error.message)
    return redirect("projects:my_project", code=project.course.code)


@login_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """The invited student accepts or declines; for anyone else the invitation does not exist."""
    user = request_user(request)
    invitation = get_object_or_404(
        TeamInvitation.objects.select_related("project__course"), id=invitation_id, student=user
    )
    project = invitation.project
    accept = request.POST.get("action") == "accept"
    try:
        team_invitation_answer(invitation=invitation, by=user, accept=accept)
    except PlatformError as error:
        messages.error(request, error.message)
    else:
        if accept:
            messages.success(request, _("You joined the team “%(title)s”.") % {"title": project.title})
        else:
            messages.success(
                request, _("You declined the invitation to “%(title)s”.") % {"title": project.title}
            )
    return redirect("projects:my_project", code=project.course.code)


@login_required
@require_POST
def submit(request: HttpRequest, project_id: int, milestone_id: int) -> HttpResponse:
    project = _member_project(request, project_id)
    milestone = get_object_or_404(Milestone, id=milestone_id, course=project.course)
    latest_has_pdf = MilestoneSubmission.objects.filter(project=project, milestone=milestone).exclude(pdf="")
    form = SubmissionForm(request.POST, request.FILES, milestone=milestone, has_pdf=latest_has_pdf.exists())
    if form.is_valid():
        try:
            submission = milestone_submit(
                project=project,
                milestone=milestone,
                submitted_by=request_user(request),
                repository_url=form.cleaned_data["repository_url"],
                pdf=form.cleaned_data.get("pdf"),
                in_english=form.cleaned_data["in_english"],
            )
        except PlatformError as error:
            form.add_error(None, error.message)
        else:
            if submission.late:
                text = _("%(milestone)s submitted after the deadline (late).")
            else:
                text = _("%(milestone)s submitted on time.")
            messages.success(request, text % {"milestone": milestone.title})
            return redirect("projects:my_project", code=project.course.code)
    return _my_project_page(request, project.course, bound=form, status=400)


@login_required
@require_GET
def course_projects(request: HttpRequest, code: str) -> HttpResponse:
    """Staff: every team of the course with its milestone status, points and offered-grade status."""
    course = get_object_or_404(Course, code=code)
    _course_for_staff(request, course)
    overviews = project_overviews(course=course)
    milestones = overviews[0].statuses if overviews else []
    return render(
        request,
        "projects/course_projects.html",
        {
            "course": course,
            "overviews": overviews,
            "milestones": [s.milestone for s in milestones],
            "now": timezone.now(),
            "is_instructor": course_is_instructor(user=request_user(request), course=course),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestones(request: HttpRequest, code: str) -> HttpResponse:
    """Instructors: the course's milestones (deadline, what to hand in) and their rubrics."""
    course = get_object_or_404(Course, code=code)
    user = request_user(request)
    if not course_is_instructor(user=user, course=course):
        raise PermissionDenied(_("Only the course's instructors change its milestones."))
    course_milestones = list(milestones_for_course(course=course).prefetch_related("criteria", "grades"))
    bound_id, bound = None, None
    rules = TeamRules.objects.filter(course=course).first()
    closes = rules.teams_close_at if rules else None
    rules_form = TeamRulesForm(initial={"teams_close_at": timezone.localtime(closes) if closes else None})
    if request.method == "POST":
        if request.POST.get("action") == "team_rules":
            rules_form = TeamRulesForm(request.POST)
            if rules_form.is_valid():
                chosen = rules_form.cleaned_data["teams_close_at"]
                team_rules_set(course=course, by=user, teams_close_at=chosen)
                messages.success(request, _("Team registration saved."))
                return redirect("projects:milestones", code=course.code)
            return render(
                request,
                "projects/milestones.html",
                {"course": course, "rows": [], "rules_form": rules_form, "closes": None},
                status=400,
            )
        if request.POST.get("action") == "defaults":
            milestone_defaults_create(course=course)
            messages.success(request, _("The default milestones are set up; check their deadlines."))
            return redirect("projects:milestones", code=course.code)
        chosen = next((m for m in course_milestones if str(m.pk) == request.POST.get("milestone")), None)
        if chosen is None:
            raise Http404("No such milestone.")
        bound_id, bound = chosen.pk, MilestoneForm(request.POST, prefix=f"m{chosen.pk}")
        if bound.is_valid():
            try:
                milestone_update(milestone=chosen, by=user, **bound.cleaned_data)
            except PlatformError as error:
                bound.add_error(None, error.message)
            else:
                saved = bound.cleaned_data["title"]
                messages.success(request, _("%(milestone)s saved.") % {"milestone": saved})
                return redirect("projects:milestones", code=course.code)
    rows = [
        {
            "milestone": m,
            "graded": bool(m.grades.all()),
            "form": bound
            if m.pk == bound_id
            else MilestoneForm(initial=MilestoneForm.initial_for(m), prefix=f"m{m.pk}"),
        }
        for m in course_milestones
    ]
    return render(
        request,
        "projects/milestones.html",
        {"course": course, "rows": rows, "rules_form": rules_form, "closes": teams_close_at(course=course)},
        status=400 if bound is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def grade(request: HttpRequest, project_id: int, milestone_id: int) -> HttpResponse:
    """Staff: the team's submission history for one milestone and the rubric form."""
    project = get_object_or_404(Project.objects.select_related("course"), id=project_id)
    _course_for_staff(request, project.course)
    milestone = get_object_or_404(Milestone, id=milestone_id, course=project.course)
    criteria = list(rubric_for_milestone(milestone=milestone))
    overview = project_overview(project=project)
    status = next(s for s in overview.statuses if s.milestone.id == milestone.id)
    existing = status.grade
    initial: dict[str, Any] = {}
    if existing is not None:
        initial = {f"criterion_{s.criterion_id}": s.points for s in existing.scores.all()}
        initial["comment"] = existing.comment
    form = GradeForm(request.POST or None, criteria=criteria, initial=initial)
    http_status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                milestone_grade(
                    project=project,
                    milestone=milestone,
                    grader=request_user(request),
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                )
            except PlatformError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("%(project)s: %(milestone)s graded.")
                    % {"project": project.title, "milestone": milestone.title},
                )
                return redirect("projects:course_projects", code=project.course.code)
        http_status = 400
    return render(
        request,
        "projects/grade.html",
        {
            "project": project,
            "milestone": milestone,
            "status": status,
            "members": list(project.members.select_related("student")),
            "history": submission_history(project=project, milestone=milestone),
            "form": form,
            "criteria": criteria,
        },
        status=http_status,
    )


@login_required
@require_GET
def submission_pdf(request: HttpRequest, submission_id: int) -> FileResponse:
    """The report PDF, for the team's members and the course's staff only (others: 404)."""
    submission = get_object_or_404(
        MilestoneSubmission.objects.select_related("project__course", "milestone"), id=submission_id
    )
    if not submission.pdf or not project_can_view(project=submission.project, user=request_user(request)):
        raise Http404("No such file.")
    name = f"{submission.project.course.code}-team{submission.project_id}-m{submission.milestone.order}.pdf"
    response = FileResponse(
        submission.pdf.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def commit_archive(request: HttpRequest, submission_id: int) -> FileResponse:
    """The archive of the commit that counts, for the team's members and the course's staff (others: 404)."""
    submission = get_object_or_404(
        MilestoneSubmission.objects.select_related("project__course", "milestone"), id=submission_id
    )
    if not submission.commit_archive or not project_can_view(
        project=submission.project, user=request_user(request)
    ):
        raise Http404("No such file.")
    name = (
        f"{submission.project.course.code}-team{submission.project_id}-m{submission.milestone.order}-"
        f"{submission.commit_sha[:12]}.tar.gz"
    )
    response = FileResponse(
        submission.commit_archive.open("rb"),
        as_attachment=True,
        filename=name,
        content_type="application/gzip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
