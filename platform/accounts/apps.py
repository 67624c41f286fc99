from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


def _sync_groups(**kwargs) -> None:
    from accounts.roles import groups_sync

    groups_sync()


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts and courses"

    def ready(self) -> None:
        from accounts import errors  # noqa: F401  (registers the accounts error codes)

        # After every migrate, so permissions of apps added later reach the groups too.
        post_migrate.connect(_sync_groups, dispatch_uid="accounts.groups_sync")


class SuperuserAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with its site replaced: /admin is for superusers only (see admin_site)."""

    default = False  # "accounts" in INSTALLED_APPS still means AccountsConfig
    default_site = "accounts.admin_site.SuperuserAdminSite"
