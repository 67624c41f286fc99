"""The accounts app's error codes and their messages (the error contract: core/errors.py)."""
# ruff: noqa: E501  (one message per line, as translators read it)

from django.utils.translation import gettext_lazy as _

from core.errors import PlatformError, error_messages_register

MESSAGES = {
    "roster_unreadable": _("The file could not be read as a roster."),
    "invitation_invalid": _("This activation link is not valid. Ask your instructor for a new one."),
    "neptun_missing": _(
        "A Neptun code is exactly 6 characters, letters A–Z and digits 0–9, for example ABC123."
    ),
    "invalid_neptun": _(
        "“%(typed)s” is not a Neptun code. A Neptun code is exactly 6 characters, letters A–Z and digits 0–9, for example ABC123."
    ),
    "unknown_role": _("Unknown role “%(role)s”; use student, instructor or grader."),
    "username_taken": _("The username “%(username)s” is taken."),
    "password_rejected": _("Choose another password: %(reasons)s"),
    "unknown_language": _("No interface in the language “%(language)s”."),
    "csv_unreadable": _("The CSV file could not be read: %(detail)s."),
    "roster_header_missing": _(
        "Line %(line)s should be a header with a “Neptun kód” (or “Neptun code”) column; found: %(found)s."
    ),
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
    "activation_link_used": _("This activation link was already used."),
}

error_messages_register(owner=__name__, messages=MESSAGES)


def neptun_code_error(raw: object) -> PlatformError:
    """The error for a text that ``neptun_normalize`` refused: what was typed, and the form expected."""
    typed = raw.strip()[:20] if isinstance(raw, str) else ""
    return PlatformError("invalid_neptun", typed=typed) if typed else PlatformError("neptun_missing")
