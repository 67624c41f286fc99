from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from accounts.selectors import courses_for_user, courses_taught_by
from accounts.services import user_language_set
from core.health import health_report
from core.home_panels import home_panels
from core.http import request_user


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, parts = health_report()
    everything_ok = all(part["ok"] for part in parts.values())
    return JsonResponse(
        {"status": "ok" if everything_ok else "degraded", **parts}, status=200 if healthy else 503
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's courses, and the panels the apps above provide (``core.home_panels``): for students
    (of any course) their dashboard of deadlines, submissions and ranks."""
    user = request_user(request)
    return render(
        request,
        "core/home.html",
        {
            "courses": courses_for_user(user=user),
            "taught": courses_taught_by(user=user),
            "panels": home_panels(user=user),
        },
    )


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The header's language switcher: Django's ``set_language`` (cookie, redirect to ``next``), and for a
    logged-in user the choice is saved on the account too, so it follows them to other devices."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request_user(request), language=language)
    return response
