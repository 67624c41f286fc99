from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = "Semester projects"

    def ready(self) -> None:
        from core.gradebook_sources import gradebook_source_register
        from lifecycle.registry import term_provider_register
        from projects.gradebook import SOURCE
        from projects.lifecycle import PROVIDER

        term_provider_register(PROVIDER)
        gradebook_source_register(SOURCE)
