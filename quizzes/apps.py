from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quizzes"

    def ready(self) -> None:
        from lifecycle.registry import term_provider_register
        from quizzes import errors  # noqa: F401  (registers the quizzes' error codes)
        from quizzes.lifecycle import PROVIDER

        term_provider_register(PROVIDER)
