from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        from core.home_panels import home_panel_register
        from dashboards.home import student_dashboard_panel

        home_panel_register("student_dashboard", student_dashboard_panel)
