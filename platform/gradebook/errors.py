"""The gradebook app's error codes and their messages (the error contract: core/errors.py)."""
# ruff: noqa: E501  (one message per line, as translators read it)

from django.utils.translation import gettext_lazy as _

from core.errors import error_messages_register

MESSAGES = {
    "only_course_instructors_set": _("Only the course's instructors set the gradebook's weights."),
    "weight_out_of_range": _("Each weight must be between 0 and 1000."),
    "weights_all_zero": _("At least one weight must be above 0."),
    "unknown_adjustment_kind": _("Unknown adjustment kind."),
    "only_course_instructors_graders": _("Only the course's instructors and graders record adjustments."),
    "not_a_student": _("This person is not a student of the course."),
    "no_such_column": _("No such column in this course's gradebook."),
    "say_why_reason_kept": _("Say why: the reason is kept with the adjustment."),
    "may_not_withdraw_adjustment": _("You may not withdraw this adjustment."),
    "only_course_instructors_override": _("Only the course's instructors override points."),
    "override_needs_points_replace": _("An override needs the points that replace the computed ones."),
    "points_cannot_negative": _("Points cannot be negative."),
    "extensions_apply_homework_assignments": _(
        "Extensions apply to homework assignments only (they change the late penalty)."
    ),
    "extension_days": _("An extension is 1 to 365 days."),
}

error_messages_register(owner=__name__, messages=MESSAGES)
