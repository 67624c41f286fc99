"""The lifecycle app's error codes and their messages (the error contract: core/errors.py)."""
# ruff: noqa: E501  (one message per line, as translators read it)

from django.utils.translation import gettext_lazy as _

from core.errors import error_messages_register

MESSAGES = {
    "backup_engine_unsupported": _("Backups support SQLite and PostgreSQL, not %(engine)s."),
    "pg_dump_failed": _("pg_dump failed: %(detail)s"),
    "pg_restore_failed": _("pg_restore failed: %(detail)s"),
    "backup_unreadable": _("The backup %(path)s cannot be read: %(detail)s"),
    "backup_manifest_unreadable": _("The backup has no readable %(manifest)s: %(detail)s"),
    "backup_format_unknown": _("Unknown backup format %(found)s; expected %(expected)s."),
    "backup_files_differ": _(
        "The backup's files differ from its manifest: missing %(missing)s, unlisted %(unlisted)s."
    ),
    "backup_checksum_mismatch": _("Checksum mismatch in the backup: %(path)s. The backup is damaged."),
    "backup_engine_mismatch": _(
        "This backup is of a %(backup)s site; this site runs on %(site)s. Restore it into a site of the same kind."
    ),
    "give_new_course_code": _(
        "Give the new course's code: letters, digits, '-', '_' or '.', at most 40 characters."
    ),
    "term_missing": _("Give the new term, e.g. 2027/28/1 (at most 20 characters)."),
    "move_dates_most_three": _("Move the dates by at most three years."),
    "course_code_exists": _("A course with the code %(code)s exists already."),
    "site_not_empty_accounts": _(
        "This site is not empty (it has accounts or media files); restore into an empty site, or pass --force to replace everything in it."
    ),
    "course_closed": _(
        "%(course)s is closed for the term: nothing can be submitted, played or graded any more. An instructor can reopen it on the course's term page."
    ),
    "only_course_instructors_close": _("Only the course's instructors close, reopen or copy its term."),
    "say_why_term_reopened": _("Say why the term is reopened: the reason is kept on the record."),
    "keep_personal_data_days": _("Keep personal data for 30 to 3650 days after the term closes."),
    "term_not_closed": _("The term is not closed."),
    "personal_data_term_erased": _("The personal data of this term was erased; it cannot be reopened."),
    "unknown_action": _("Unknown action."),
    "personal_data_erased_only": _("Personal data is erased only after the term is closed."),
}

error_messages_register(owner=__name__, messages=MESSAGES)
