"""The semester project: teams, milestones with deadlines, submissions (history kept), rubric grades.

A student is in at most one team per course: TeamMembership carries the course (copied from the
project by the service) so the database enforces it with a unique constraint. Nobody is put in a team
without agreeing: others are invited (TeamInvitation) and join by accepting. A grade is credited to the
team's members when it is first given (MilestoneGradeMember), not to whoever joins later.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_PDF_BYTES = 10 * 1024 * 1024


class MilestoneKind(models.TextChoices):
    # Milestones count for the offered grade when submitted on time; the final must be graded.
    MILESTONE = "milestone", _("Milestone")
    FINAL = "final", _("Final submission")


class Project(models.Model):
    course = models.ForeignKey("accounts.Course", on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    repository_url = models.URLField(
        max_length=500, blank=True, help_text="Optional until the final submission, which sets it."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "title", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.course.code})"


class TeamRules(models.Model):
    """Per course: when students stop changing teams themselves (the course registers its teams by the end
    of week 4); empty: at the deadline of the first milestone. After it, changes go through the staff."""

    course = models.OneToOneField("accounts.Course", on_delete=models.CASCADE, related_name="team_rules")
    teams_close_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.course.code}: teams close at {self.teams_close_at}"


class TeamMembership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    course = models.ForeignKey(
        "accounts.Course", on_delete=models.PROTECT, related_name="+", help_text="The project's course."
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "student"], name="one_team_per_student_per_course")
        ]
        ordering = ["project", "student__neptun_code"]

    def __str__(self) -> str:
        return f"{self.student} in {self.project}"

    def save(self, *args, **kwargs) -> None:
        self.course_id = self.project.course_id  # always the project's course
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """For the admin: the same rule as the services, as a form error instead of a database error."""
        if self.project_id is None or self.student_id is None:
            return
        clash = (
            TeamMembership.objects.filter(course_id=self.project.course_id, student_id=self.student_id)
            .exclude(pk=self.pk)
            .select_related("project")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {"student": f"Already in the team “{clash.project.title}”; one team per student per course."}
            )


class TeamInvitation(models.Model):
    """An invitation to join a team. The student becomes a member only by accepting it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "student"], name="one_invitation_per_team_student")
        ]
        ordering = ["project", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.student} invited to {self.project}"


class Milestone(models.Model):
    course = models.ForeignKey("accounts.Course", on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices, default=MilestoneKind.MILESTONE)
    order = models.PositiveSmallIntegerField(help_text="1, 2, 3…: the order shown to students.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="What to hand in; shown to students.")
    deadline = models.DateTimeField()
    max_pdf_bytes = models.PositiveIntegerField(
        default=DEFAULT_MAX_PDF_BYTES,
        validators=[MinValueValidator(1024)],
        help_text="Largest accepted PDF report, in bytes.",
    )
    needs_url = models.BooleanField(default=True, help_text="A repository URL is required.")
    needs_pdf = models.BooleanField(default=False, help_text="A PDF report is required.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "order"], name="one_milestone_per_course_order")
        ]
        ordering = ["course", "order"]

    def __str__(self) -> str:
        return f"{self.course.code} {self.order}. {self.title}"

    @property
    def max_pdf_megabytes(self) -> str:
        return f"{self.max_pdf_bytes / (1024 * 1024):.3g} MB"


def submission_pdf_path(instance: "MilestoneSubmission", filename: str) -> str:
    """A generated name: the student's file name is never used on disk."""
    return (
        f"projects/{instance.project.course_id}/{instance.project_id}/"
        f"m{instance.milestone.order}-{uuid.uuid4().hex}.pdf"
    )


class MilestoneSubmission(models.Model):
    """One hand-in. Re-submitting adds a row; the latest one counts."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="submissions")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="submissions")
    repository_url = models.URLField(max_length=500, blank=True)
    pdf = models.FileField(upload_to=submission_pdf_path, blank=True, max_length=300)
    pdf_original_name = models.CharField(max_length=200, blank=True)
    pdf_bytes = models.PositiveIntegerField(default=0)
    in_english = models.BooleanField(
        default=False, help_text="The team attests that the submission is written in English."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField()
    # The commit that counts (projects.repository): the last commit before the deadline, fetched by the
    # platform where it may reach the host; empty until fetched, commit_error says why it was not.
    commit_sha = models.CharField(max_length=64, blank=True)
    commit_at = models.DateTimeField(
        null=True, blank=True, help_text="The commit's date (the committer's claim)."
    )
    commit_fetched_at = models.DateTimeField(null=True, blank=True)
    commit_has_readme = models.BooleanField(null=True, blank=True)
    commit_pdfs = models.JSONField(default=list, blank=True)
    commit_archive = models.FileField(upload_to="projects/commits/", blank=True, max_length=300)
    commit_error = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["project", "milestone", "submitted_at", "id"]
        indexes = [models.Index(fields=["project", "milestone", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.project} — {self.milestone.title} at {self.submitted_at:%Y-%m-%d %H:%M}"

    @property
    def late(self) -> bool:
        """Against the milestone's deadline as it is now (an extended deadline helps everyone)."""
        return self.submitted_at > self.milestone.deadline


class RubricCriterion(models.Model):
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    max_points = models.DecimalField(
        max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["milestone", "name"], name="unique_criterion_name_per_milestone")
        ]
        ordering = ["milestone", "order", "id"]
        verbose_name_plural = "rubric criteria"

    def __str__(self) -> str:
        return f"{self.name} (max {self.max_points})"


class MilestoneGrade(models.Model):
    """The grade of a team's milestone (one per project and milestone; regrading updates it)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="grades")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="grades")
    submission = models.ForeignKey(
        MilestoneSubmission, on_delete=models.PROTECT, related_name="grades", help_text="What was graded."
    )
    points = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal(0))
    comment = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    graded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "milestone"], name="one_grade_per_project_milestone")
        ]
        ordering = ["project", "milestone"]

    def __str__(self) -> str:
        return f"{self.project} — {self.milestone.title}: {self.points}"


class MilestoneGradeMember(models.Model):
    """A student credited with a team's milestone grade: a member of the team when it was first graded.

    Regrading changes the points, not who is credited; someone who joins the team later is not.
    """

    grade = models.ForeignKey(MilestoneGrade, on_delete=models.CASCADE, related_name="credited")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grade", "student"], name="one_credit_per_grade_student")
        ]
        ordering = ["grade", "student"]

    def __str__(self) -> str:
        return f"{self.student} credited with {self.grade}"


class CriterionScore(models.Model):
    grade = models.ForeignKey(MilestoneGrade, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="scores")
    points = models.DecimalField(max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grade", "criterion"], name="one_score_per_grade_criterion")
        ]
        ordering = ["grade", "criterion__order", "criterion_id"]

    def __str__(self) -> str:
        return f"{self.criterion.name}: {self.points}"
