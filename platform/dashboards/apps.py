from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from accounts.models import User


def student_home_context(*, user: User) -> dict[str, Any]:
    """The home page's student dashboard (core.home): deadlines, submissions, ranks; None for staff only."""
    from dashboards.selectors import student_courses, student_dashboard

    return {"dashboard": student_dashboard(user=user) if student_courses(user=user) else None}


class DashboardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        from core.home import home_context_register

        home_context_register(name="dashboards", provider=student_home_context)
