"""Homework assignments, the students' submissions and their gradings."""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Course


def finite_or_null(field: str) -> models.Q:
    """A CHECK that a float column holds no inf or NaN: stored, they made the leaderboard API answer 500.

    NaN fails it too: PostgreSQL orders NaN above every number, and SQLite stores NaN as NULL.
    """
    return models.Q(**{f"{field}__isnull": True}) | models.Q(
        **{f"{field}__gte": -sys.float_info.max, f"{field}__lte": sys.float_info.max}
    )


class SubmissionKind(models.TextChoices):
    PREDICTIONS = "predictions", _("Predictions (CSV)")
    NOTEBOOK = "notebook", _("Notebook (.ipynb)")
    SCRIPT = "script", _("Script (.py)")
    MODEL = "model", _("Model (TorchScript or state_dict)")


class LeaderboardRule(models.TextChoices):
    BEST = "best", _("Best submission counts")
    LAST = "last", _("Last submission counts")


class Assignment(models.Model):
    """A homework: a task with a held-out test set, the rules of scoring and the limits of a run."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    # A reference task's name (reference_models) or "bundle-<sha>" for an uploaded data bundle.
    task_key = models.CharField(max_length=100)
    bundle = models.FileField(upload_to="grader/bundles/", blank=True)
    kinds = models.JSONField(default=list, help_text="Accepted submission kinds.")
    metric = models.CharField(max_length=20)
    higher_is_better = models.BooleanField()
    points = models.DecimalField(max_digits=6, decimal_places=2, default=10)
    # Points: full at the reference's score (or score_full_points when set), zero at score_zero_points,
    # linear between, capped at both ends.
    score_full_points = models.FloatField(null=True, blank=True)
    score_zero_points = models.FloatField()
    opens_at = models.DateTimeField()
    deadline = models.DateTimeField()
    late_penalty_percent_per_day = models.FloatField(default=10.0)
    late_cutoff = models.DateTimeField(null=True, blank=True, help_text="No submissions after this.")
    daily_limit = models.PositiveIntegerField(default=5)
    public_fraction = models.FloatField(default=0.5)
    leaderboard_rule = models.CharField(
        max_length=10, choices=LeaderboardRule.choices, default=LeaderboardRule.BEST
    )
    wall_seconds = models.PositiveIntegerField(default=600)
    memory_mb = models.PositiveIntegerField(default=4096)
    use_gpu = models.BooleanField(default=False)
    # Homework 3: a notebook or script must also hand in named_dates.csv, the predictions of the task's
    # named dates recorded separately (reference_models.named_dates); only for tasks that name dates.
    ask_named_dates = models.BooleanField(default=False)
    baseline_score = models.FloatField(null=True, blank=True)
    # A bundle's leak check at creation (reference_models.leaks): shown to the staff, never to students.
    leak_report = models.TextField(blank=True)
    # Manual grading (grader.rubric): students see the rubric, comments and points from this moment on.
    grades_published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=finite_or_null("baseline_score"), name="assignment_baseline_finite"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course.code}: {self.title}"


class AssetSource(models.TextChoices):
    INSTRUCTOR = "instructor", _("Uploaded by the instructor")
    TASK = "task", _("Provided by the task")


class AssignmentAsset(models.Model):
    """A read-only file students get with an assignment (a pretrained backbone, a helper module...):
    downloadable from the assignment page and mounted at ``/assets`` in the sandbox of every run.

    Stored files are never changed; a copied course's assignment shares them (a file is deleted only
    when no row refers to it any more)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="assets")
    name = models.CharField(max_length=100, help_text="The file name in /assets and on the page.")
    description = models.TextField(blank=True)
    file = models.FileField(upload_to="assets/%Y/%m/", max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=20, choices=AssetSource.choices, default=AssetSource.INSTRUCTOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "name"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "name"], name="asset_name_unique_per_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}/{self.name}"


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SCORED = "scored", _("Scored")
    FAILED = "failed", _("Failed")


class SubmissionVerdict(models.TextChoices):
    SCORED = "scored", _("Scored")
    WRONG_FORMAT = "wrong_format", _("Wrong output format")
    RUNTIME_ERROR = "runtime_error", _("Runtime error")
    TIME_LIMIT = "time_limit", _("Time limit exceeded")
    MEMORY_LIMIT = "memory_limit", _("Memory limit exceeded")
    OUTPUT_LIMIT = "output_too_large", _("Output too large")
    PROCESS_LIMIT = "process_limit", _("Too many processes")
    INTERNAL_ERROR = "internal_error", _("Internal error (not your fault)")


class Submission(models.Model):
    """One upload of a student (or the assignment's reference solution) and the state of its grading.

    Each phase has a timestamp: received (stored), queued (message sent), started (a worker claimed it),
    finished (the student's run ended), scored (the result was written). ``attempts`` counts claims;
    ``generation`` counts regrades.
    """

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="submissions"
    )
    is_reference = models.BooleanField(default=False)
    kind = models.CharField(max_length=20, choices=SubmissionKind.choices)
    file = models.FileField(upload_to="grader/submissions/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED, db_index=True
    )
    verdict = models.CharField(max_length=30, choices=SubmissionVerdict.choices, blank=True)
    verdict_detail = models.TextField(blank=True)
    log = models.TextField(blank=True)
    # Why the run failed, for the top of the page (grader.failures: cell or line, source, error type and
    # message; bounded); {} when it did not fail or named nothing.
    failure = models.JSONField(default=dict, blank=True)
    executed_html = models.FileField(upload_to="grader/executed/%Y/%m/", blank=True)
    score = models.FloatField(null=True, blank=True)
    score_public = models.FloatField(null=True, blank=True)
    score_private = models.FloatField(null=True, blank=True)
    points = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    late_days = models.PositiveIntegerField(default=0)
    run_seconds = models.FloatField(null=True, blank=True, help_text="The student's own run only.")
    peak_memory_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    generation = models.PositiveIntegerField(default=1)
    worker = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    # When sending its grading job last failed (broker down); cleared by a successful send. The student is
    # told that grading is delayed, and the sweeper sends the job again.
    send_failed_at = models.DateTimeField(null=True, blank=True)
    # Why a grader should look at this result (it beats the reference implausibly); staff only.
    review_flag = models.TextField(blank=True)
    # The predictions of the task's named dates: [{"date", "id", "values"}], from named_dates.csv or the
    # prediction file's rows; empty where the task names no dates.
    named_dates = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["assignment", "status"]),
            models.Index(fields=["assignment", "user", "received_at"]),
            # The latest reference of an assignment (every leaderboard's baseline) without reading the
            # assignment's every submission.
            models.Index(fields=["assignment", "is_reference", "received_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=finite_or_null(name), name=f"submission_{name}_finite")
            for name in ("score", "score_public", "score_private")
        ]

    def __str__(self) -> str:
        who = (
            "reference"
            if self.is_reference
            else (self.user.neptun_code or self.user.username if self.user else "?")
        )
        return f"#{self.pk} {who} {self.kind} {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status in (SubmissionStatus.SCORED, SubmissionStatus.FAILED)


class Grading(models.Model):
    """The record that a generation of a submission was graded: one per (submission, generation).

    The unique constraint is what stops a re-delivered or duplicated job from scoring twice.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="gradings")
    generation = models.PositiveIntegerField()
    attempt = models.PositiveIntegerField()
    verdict = models.CharField(max_length=30, choices=SubmissionVerdict.choices)
    score = models.FloatField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "generation"], name="grading_once_per_generation"),
            models.CheckConstraint(condition=finite_or_null("score"), name="grading_score_finite"),
        ]

    def __str__(self) -> str:
        return f"grading of #{self.submission_id} gen {self.generation}: {self.verdict}"


# --- Manual grading beside the autograder (rules: grader.rubric; writes: grader.manual_grading) ----------


class RubricItem(models.Model):
    """One line of an assignment's manual rubric ("README present": 1 point)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="rubric_items")
    name = models.CharField(max_length=200)
    max_points = models.DecimalField(max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["assignment", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "name"], name="rubric_item_name_once"),
            models.CheckConstraint(condition=models.Q(max_points__gt=0), name="rubric_item_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.max_points})"


class ManualGrade(models.Model):
    """A grader's rubric grade of one student's assignment: one per (assignment, student).

    ``submission`` is what the grader read (the submission that counted then); a later submission that
    counts instead is shown to the staff as "graded an earlier submission", never silently regraded.
    """

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="manual_grades")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="manual_grades")
    points = models.DecimalField(max_digits=6, decimal_places=2)  # the rubric's sum (rubric_points)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField()

    class Meta:
        ordering = ["assignment", "student"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "student"], name="manual_grade_once_per_student")
        ]

    def __str__(self) -> str:
        return f"rubric grade of {self.student} in {self.assignment}: {self.points}"


class RubricMark(models.Model):
    grade = models.ForeignKey(ManualGrade, on_delete=models.CASCADE, related_name="marks")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="marks")
    points = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["grade", "item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["grade", "item"], name="rubric_mark_once_per_item")]

    def __str__(self) -> str:
        return f"{self.item.name}: {self.points}"


class GradingComment(models.Model):
    """A grader's comment on a submission, or on one notebook cell (``cell``: its position, from 1)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    cell = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["submission", "cell", "created_at", "pk"]

    def __str__(self) -> str:
        return f"comment on #{self.submission_id} cell {self.cell}"


class RegradeStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class RegradeRequest(models.Model):
    """A student's request to look at a published rubric grade again, and the grader's answer."""

    grade = models.ForeignKey(ManualGrade, on_delete=models.CASCADE, related_name="regrade_requests")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=RegradeStatus.choices, default=RegradeStatus.OPEN)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    points_before = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    points_after = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["grade", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["grade"], condition=models.Q(status="open"), name="regrade_request_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"regrade request on {self.grade_id}: {self.status}"
