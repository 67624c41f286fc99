from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lifecycle"
    verbose_name = "A term's life: copy, archive, backup, personal data"

    def ready(self) -> None:
        from lifecycle import errors  # noqa: F401  (registers the lifecycle error codes)
