from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_groups(**kwargs) -> None:
    from accounts.roles import groups_sync

    groups_sync()


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts and courses"

    def ready(self) -> None:
        # After every migrate, so permissions of apps added later reach the groups too.
        post_migrate.connect(_sync_groups, dispatch_uid="accounts.groups_sync")
