"""The grader app's error codes and their messages (the error contract: core/errors.py)."""
# ruff: noqa: E501  (one message per line, as translators read it)

from django.utils.translation import gettext_lazy as _

from core.errors import error_messages_register

MESSAGES = {
    "upload_storage_full": _(
        "The server's disk is full, so your file could not be stored. Nothing was saved and nothing counts against your limit; please try again later (the staff have been told)."
    ),
    "give_score_earns_zero": _(
        "Give the score that earns zero points (e.g. the MAE of a constant prediction)."
    ),
    "assignment_needs_title": _("The assignment needs a title."),
    "accepted_kinds_must_some": _("Accepted kinds must be some of %(kinds)s."),
    "model_submissions_need_reference": _(
        "Model submissions need a reference task (its architecture); not a data bundle."
    ),
    "leaderboard_public_fraction_must": _(
        "The leaderboard's public fraction must be between 0 and 1 (e.g. 0.5)."
    ),
    "deadline_must_after_opening": _("The deadline must be after the opening time."),
    "late_cut_off_must": _("The late cut-off must not be before the deadline."),
    "run_limits_least_second": _("Run limits: at least 1 second and 64 MiB."),
    "run_limits_most_seconds": _("Run limits: at most %(seconds)d seconds on this server."),
    "points_late_penalty_cannot": _("Points and the late penalty cannot be negative."),
    "task_practice_only_test": _(
        "%(task)s is practice only: its test answers can be looked up in data that ships with the grader (%(reason)s), so it cannot give points. Set the points to 0 for a practice assignment, or upload a private data bundle (a zip with public/ and hidden/test_labels.csv) made from data the students cannot get."
    ),
    "only_course_instructors_create": _("Only the course's instructors can create assignments."),
    "choose_reference_task_upload": _("Choose a reference task or upload a data bundle (exactly one)."),
    "only_course_instructors_regrade": _("Only the course's instructors can regrade an assignment."),
    "not_assignment_instructor": _("Only the course's instructors can change an assignment."),
    "unknown_task_task_choose": _("Unknown task %(task)s; choose one of %(tasks)s."),
    "data_bundle_not_accepted": _("The data bundle was not accepted: %(error)s"),
    "storage_error": _(
        "The server could not store your file (a storage error, not your fault). Nothing was saved; please try again later."
    ),
    "file_size_mb_limit": _("The file is %(size)s MB; the limit for a %(kind)s is %(limit)s MB."),
    "not_enrolled_in_course": _("You are not enrolled in this course."),
    "assignment_opens_when": _("This assignment opens at %(when)s."),
    "submission_deadline_passed_no": _(
        "The submission deadline has passed; no more submissions are accepted."
    ),
    "upload_csv_predictions_ipynb": _(
        "Upload a .csv (predictions), .ipynb (notebook), .py (script) or .pt (model) file."
    ),
    "assignment_accepts_kinds": _("This assignment accepts: %(kinds)s."),
    "daily_limit": _(
        "You have used today's %(limit)s submissions; failed ones do not count. Try again tomorrow."
    ),
    "wrong_format": _("Wrong prediction file format: %(error)s"),
    "notebook_no_code_cells": _("The notebook has no code cells."),
    "not_valid_jupyter_notebook": _("This is not a valid Jupyter notebook (.ipynb JSON): %(error)s"),
    "script_not_utf_text": _("The script is not UTF-8 text."),
    "script_syntax_error_line": _("The script has a syntax error on line %(line)s: %(error)s."),
    "script_cannot_read_error": _("The script cannot be read: %(error)s."),
    "file_larger_limit_mb": _("The file is larger than the %(limit)s MB limit for a %(kind)s."),
    "model_must_torchscript_file": _(
        "A model must be a TorchScript file (torch.jit.save) or a state_dict saved with torch.save."
    ),
    "model_file_refused_error": _("The model file was refused: %(error)s"),
    "no_such_submission": _("No such submission."),
    "no_such_assignment": _("No such assignment."),
    "grading_only_course_instructors_set": _("Only the course's instructors set the rubric."),
    "grading_no_rubric": _("This assignment has no rubric to grade."),
    "grading_only_course_graders_instructors": _("Only the course's graders and instructors grade."),
    "grading_no_such_student_course": _("No such student in this course."),
    "grading_nothing_submitted": _("This student has submitted nothing to grade."),
    "grading_only_course_graders_instructors_2": _("Only the course's graders and instructors comment."),
    "grading_empty": _("Write the comment first."),
    "grading_too_long": _("A comment has at most %(max)s characters."),
    "grading_too_many": _("This submission has as many comments as it can take."),
    "grading_only_author_instructor_removes": _("Only its author or an instructor removes a comment."),
    "grading_only_course_instructors_publish": _("Only the course's instructors publish grades."),
    "grading_not_revealed": _("Grades can be published once the points are revealed (after the deadline)."),
    "grading_there_no_published_grade": _("There is no published grade to ask about."),
    "grading_reason_short": _("Say in a sentence what should be looked at again."),
    "grading_reason_long": _("The reason has at most %(max)s characters."),
    "grading_only_course_graders_instructors_3": _(
        "Only the course's graders and instructors answer requests."
    ),
    "grading_answer_missing": _("Say why the request is declined."),
    "grading_already_graded": _(
        "Students are already graded with this rubric, so it cannot change any more."
    ),
    "grading_no_cells": _("Only a notebook has cells to comment on."),
    "grading_no_such_cell": _("The notebook has cells 1 to %(count)s."),
    "grading_open": _("Your request is already waiting for an answer."),
    "grading_answered": _("This request has already been answered."),
    "grading_too_many_2": _("You have asked %(max)s times; talk to your instructor."),
    "grading_cell_number_preview_shows": _("The cell is its number, as the preview shows it."),
    "grading_rubric_no_points": _("Line %(line)s: write the item as “Name: points”."),
    "grading_rubric_bad_points": _(
        "Line %(line)s: the points must be a number above 0 (two decimals at most)."
    ),
    "grading_rubric_duplicate": _("Line %(line)s: two items have the same name."),
    "grading_rubric_too_many": _("A rubric has at most %(max)s items."),
    "grading_mark_missing": _("Give a mark for “%(item)s”."),
    "grading_mark_not_a_number": _("The mark for “%(item)s” is not a number."),
    "grading_mark_negative": _("The mark for “%(item)s” cannot be negative."),
    "grading_mark_above_max": _("The mark for “%(item)s” is above its maximum."),
    "grading_mark_too_precise": _("The mark for “%(item)s” has more than two decimals."),
    "grading_mark_unknown_item": _("“%(item)s” is not an item of this rubric."),
    "assets_asset_file_name_may": _(
        "An asset's file name may use letters, digits, '.', '_' and '-' only (no folders, at most 100 characters, not starting with a dot): %(name)s"
    ),
    "assets_only_instructors_attach": _("Only the course's instructors can attach files to an assignment."),
    "assets_assignment_already_has_file": _(
        "The assignment already has a file called %(name)s; remove it first."
    ),
    "assets_assignment_can_have_at": _("An assignment can have at most %(count)d files."),
    "assets_only_instructors_remove": _("Only the course's instructors can remove an assignment's files."),
    "assets_no_such_file": _("No such file."),
    "assets_name_empty": _("%(name)s is empty."),
    "assets_assignment_files_would_take": _(
        "The assignment's files would take more than %(mib)d MiB together."
    ),
    "assets_name_larger_than_mib": _("%(name)s is larger than %(mib)d MiB, the limit of one asset."),
    "named_dates_none": _("This task names no dates to record separately."),
    "task_retired": _("%(task)s takes no new assignments: %(reason)s."),
}

error_messages_register(owner=__name__, messages=MESSAGES)
