"""The student's dashboard on the home page (a ``core.home_panels`` provider)."""

from __future__ import annotations

from accounts.models import User
from core.home_panels import HomePanel
from dashboards.selectors import student_courses, student_dashboard


def student_dashboard_panel(user: User) -> HomePanel | None:
    """Deadlines, submissions and ranks for a student of any course; nothing for others."""
    if not student_courses(user=user):
        return None
    return HomePanel(
        template="dashboards/home_student.html", context={"dashboard": student_dashboard(user=user)}
    )
