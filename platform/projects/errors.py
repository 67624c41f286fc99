"""The projects app's error codes and their messages (the error contract: core/errors.py)."""
# ruff: noqa: E501  (one message per line, as translators read it)

from django.utils.translation import gettext_lazy as _

from core.errors import error_messages_register

MESSAGES = {
    "pdf_too_large": _("The PDF is larger than %(limit)s. Compress the images and upload it again."),
    "not_team_member": _("%(neptun)s is not a member of this team."),
    "already_in_team": _("Already in another team: %(names)s. A student is in one team per course."),
    "team_size": _("A team has 1 to %(max)s members; this would make %(count)s."),
    "repository_url_missing": _("Enter the URL of your repository, e.g. https://github.com/team/project."),
    "url_longer_count_characters": _("The URL is longer than %(count)s characters."),
    "remove_user_name_token": _(
        "Remove the user name or token from the URL; give graders read access to the repository instead."
    ),
    "url_needs_public_host": _("The URL needs a public host name, e.g. github.com or gitlab.com."),
    "uploaded_file_empty": _("The uploaded file is empty."),
    "file_not_pdf_export": _("This file is not a PDF. Export your report as PDF (File → Export → PDF)."),
    "pdf_incomplete": _("This PDF is incomplete or damaged (no end-of-file marker). Export it again."),
    "not_students_of_course": _("Not students of %(course)s: %(codes)s. Check the Neptun codes."),
    "already_in_team_other": _("You are already in the team “%(title)s”."),
    "give_project_title": _("Give your project a title."),
    "title_longer_characters": _("The title is longer than 200 characters."),
    "only_students_course_register": _("Only students of %(course)s register projects."),
    "only_team_members_course": _("Only the team's members and the course's staff change a team."),
    "enter_new_member_neptun": _("Enter the new member's Neptun code."),
    "only_invited_student_answers": _("Only the invited student answers an invitation."),
    "leave_team_yourself_other": _(
        "You can leave the team yourself; other members are removed by the staff."
    ),
    "milestone_belongs_another_course": _("This milestone belongs to another course."),
    "only_team_members_submit": _("Only the team's members submit its milestones."),
    "already_graded": _("%(milestone)s is already graded; ask your grader if something must change."),
    "nothing_submit_add_repository": _("Nothing to submit: add the repository URL or the PDF report."),
    "criterion_takes_max_points": _("“%(criterion)s” takes 0 to %(max)s points; %(value)s was given."),
    "criterion_give_points_most": _("“%(criterion)s”: give points with at most one decimal (e.g. 2.5)."),
    "only_course_graders_instructors": _("Only the course's graders and instructors grade projects."),
    "nothing_grade_team_not": _("Nothing to grade: the team has not submitted %(milestone)s yet."),
    "milestone_no_rubric_yet": _(
        "%(milestone)s has no rubric yet; the instructor adds its criteria on the milestones page."
    ),
    "some_scores_criteria_another": _("Some scores are for criteria of another milestone; reload the page."),
    "score_every_criterion_missing": _("Score every criterion; missing: %(criteria)s."),
    "teams_closed": _("Team registration closed on %(when)s; ask your instructor to change your team."),
    "only_course_instructors_change": _("Only the course's instructors change its milestones."),
    "give_milestone_title": _("Give the milestone a title."),
    "two_rubric_criteria_same": _("Two rubric criteria have the same name."),
    "not_web_address_copy": _(
        "That is not a web address. Copy the repository's URL from the browser, e.g. https://github.com/team/project or https://gitlab.com/team/project."
    ),
    "already_in_team_invited": _("You have just joined another team. Reload the page."),
    "already_invited": _("%(code)s is already invited; they join when they accept."),
    "milestone_needs_report_pdf": _("%(milestone)s needs the report as a PDF file."),
    "criterion_value_not_number": _("“%(criterion)s”: “%(value)s” is not a number."),
    "invitation_withdrawn": _("This invitation was withdrawn."),
    "only_students_course_join": _("Only students of %(course)s join its teams."),
    "team_dissolved": _("This team has no members any more."),
    "rubric_locked_graded": _("%(milestone)s is already graded, so its rubric cannot change any more."),
}

error_messages_register(owner=__name__, messages=MESSAGES)
