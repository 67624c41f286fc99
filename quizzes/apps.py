from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quizzes"

    def ready(self) -> None:
        from core.gradebook_sources import gradebook_source_register
        from lifecycle.registry import term_provider_register
        from quizzes.gradebook import SOURCE
        from quizzes.lifecycle import PROVIDER

        term_provider_register(PROVIDER)
        gradebook_source_register(SOURCE)
