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
    "rules_only_course_instructors_set": _("Only the course's instructors set the signature and mark rules."),
    "rules_what_give_percentage_from": _("%(what)s: give a percentage from 0 to 100."),
    "rules_thresholds_order": _("The thresholds must grow from mark 2 to mark 5."),
    "rules_choose_signature_offered_grade": _("Choose the signature or the offered grade."),
    "rules_choose_what_condition_asks": _("Choose what the condition asks for."),
    "rules_choose_one_course_gradebook": _("Choose one of the course's gradebook columns."),
    "rules_no_such_condition": _("No such condition."),
    "rules_duplicate": _("That condition is already set."),
}

error_messages_register(owner=__name__, messages=MESSAGES)
