"""The course dashboard page (staff). The student dashboard is a panel of the home page
(``dashboards.home``, through ``core.home_panels``)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Course
from accounts.selectors import course_is_staff
from core.http import request_user
from dashboards.figures import assignment_figures, game_figures
from dashboards.selectors import course_dashboard


@login_required
@require_GET
def course(request: HttpRequest, code: str) -> HttpResponse:
    """Instructors and graders of the course: assignments' charts, games' charts, the grading queue."""
    course = get_object_or_404(Course, code=code)
    viewer = request_user(request)
    if not course_is_staff(user=viewer, course=course):
        raise PermissionDenied(_("Only the course's instructors and graders see its dashboard."))
    dashboard = course_dashboard(course=course, viewer=viewer)
    return render(
        request,
        "dashboards/course.html",
        {
            "course": course,
            "dashboard": dashboard,
            "assignments": [assignment_figures(activity=a) for a in dashboard.assignments],
            "games": [game_figures(activity=g) for g in dashboard.games],
        },
    )
