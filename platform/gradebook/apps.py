from django.apps import AppConfig


class GradebookConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gradebook"
    verbose_name = "Gradebook and dashboards"

    def ready(self) -> None:
        from gradebook import errors  # noqa: F401  (registers the gradebook error codes)
        from gradebook.lifecycle import PROVIDER
        from lifecycle.registry import term_provider_register

        term_provider_register(PROVIDER)
