"""Login, activation by invitation, API token, and the instructor's roster page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from accounts.forms import ActivationForm, LoginForm, RosterUploadForm
from accounts.models import Course
from accounts.roster import MAX_ROSTER_BYTES, roster_import
from accounts.selectors import course_is_instructor, course_is_staff, roster_for_course
from accounts.services import api_token_regenerate, invitation_accept, invitation_check, invitations_send
from core.errors import PlatformError
from core.http import request_user


class SiteLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def login_locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' answer once a (username, address) pair is locked: the login page, saying why, 429.

    Also the answer of the admin's login form: the same lock covers both.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = ngettext(
        "Too many wrong passwords for this account from your network. Wait %(minutes)d minute and "
        "try again; if you forgot your password, ask your instructor.",
        "Too many wrong passwords for this account from your network. Wait %(minutes)d minutes and "
        "try again; if you forgot your password, ask your instructor.",
        minutes,
    ) % {"minutes": minutes}
    form = LoginForm(request, initial={"username": request.POST.get("username", "")[:150]})
    return render(request, "accounts/login.html", {"form": form, "locked_out": message}, status=429)


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_check(token=token)
    except PlatformError as error:
        return render(request, "accounts/activate.html", {"error": error.message}, status=400)
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(token=token, password=form.cleaned_data["password"])
        except PlatformError as error:
            form.add_error("password", error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Your account is active. Welcome!")
            return redirect("core:home")
    return render(request, "accounts/activate.html", {"form": form, "invited": invitation.user})


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        api_token_regenerate(user=request_user(request))
        messages.success(request, "A new API token was created; the old one no longer works.")
        return redirect("accounts:api_token")
    token = Token.objects.filter(user=request_user(request)).first()
    return render(request, "accounts/api_token.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def course_roster(request: HttpRequest, code: str) -> HttpResponse:
    course = get_object_or_404(Course, code=code)
    if not course_is_staff(user=request_user(request), course=course):
        raise PermissionDenied("Only the course's instructors and graders see its roster.")
    is_instructor = course_is_instructor(user=request_user(request), course=course)
    form = RosterUploadForm()
    report = None
    if request.method == "POST":
        if not is_instructor:
            raise PermissionDenied("Only instructors import rosters and send invitations.")
        if request.POST.get("action") == "invite":
            sent = invitations_send(course=course)
            messages.success(request, f"{sent} invitation e-mails sent.")
            return redirect("accounts:course_roster", code=course.code)
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_ROSTER_BYTES:
                form.add_error("file", "The file is larger than 5 MB; a course roster is much smaller.")
            else:
                try:
                    report = roster_import(course=course, filename=upload.name, content=upload.read())
                except PlatformError as error:
                    form.add_error("file", error.message)
    return render(
        request,
        "accounts/course_roster.html",
        {
            "course": course,
            "enrollments": roster_for_course(course=course),
            "form": form,
            "report": report,
            "is_instructor": is_instructor,
        },
    )
