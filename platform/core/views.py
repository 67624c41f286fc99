from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.selectors import courses_for_user, courses_taught_by
from core.health import health_report
from core.http import request_user
from dashboards.selectors import student_courses, student_dashboard


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, parts = health_report()
    return JsonResponse({"status": "ok" if healthy else "degraded", **parts}, status=200 if healthy else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's courses; for students (of any course) their dashboard: deadlines, submissions, ranks."""
    user = request_user(request)
    return render(
        request,
        "core/home.html",
        {
            "courses": courses_for_user(user=user),
            "taught": courses_taught_by(user=user),
            "dashboard": student_dashboard(user=user) if student_courses(user=user) else None,
        },
    )
