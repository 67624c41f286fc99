from django.apps import AppConfig


class GraderConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grader"

    def ready(self) -> None:
        from grader import errors  # noqa: F401  (registers the grader error codes)
        from grader.lifecycle import PROVIDER
        from lifecycle.registry import term_provider_register

        term_provider_register(PROVIDER)
