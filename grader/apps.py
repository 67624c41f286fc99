from django.apps import AppConfig


class GraderConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grader"

    def ready(self) -> None:
        from core.gradebook_sources import gradebook_source_register
        from grader.gradebook import RUBRIC_SOURCE, SOURCE
        from grader.lifecycle import PROVIDER
        from lifecycle.registry import term_provider_register

        term_provider_register(PROVIDER)
        gradebook_source_register(SOURCE)
        gradebook_source_register(RUBRIC_SOURCE)
