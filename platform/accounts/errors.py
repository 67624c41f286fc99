"""The accounts app's error codes and their messages (the error contract: core/errors.py)."""
# ruff: noqa: E501  (one message per line, as translators read it)

from django.utils.translation import gettext_lazy as _

from core.errors import error_messages_register

MESSAGES = {
    "file_empty": _("The file is empty."),
    "file_larger_mb_course": _("The file is larger than 5 MB; a course roster is much smaller."),
    "file_no_rows": _("The file has no rows."),
    "file_not_readable_excel": _("The file is not a readable Excel workbook (.xlsx)."),
    "staff_accounts_instructors_graders": _("Staff accounts are instructors or graders."),
    "activation_link_not_valid": _("This activation link is not valid. Ask your instructor for a new one."),
    "activation_link_already_used": _(
        "This activation link was already used. Log in with your Neptun code and password."
    ),
    "activation_link_expired_ask": _("This activation link has expired. Ask your instructor for a new one."),
    "activation_link_already_used_2": _("This activation link was already used."),
}

error_messages_register(owner=__name__, messages=MESSAGES)
