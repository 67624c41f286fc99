"""The gradebook's own rows: the instructor's weights per course and the manual adjustments.

Every number in the gradebook is computed from the quizzes, the grader and the projects at read time
(gradebook/selectors.py, rules in gradebook/arithmetic.py); only what people decide is stored here.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gradebook.arithmetic import AdjustmentKind

WEIGHT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))]


class GradebookWeights(models.Model):
    """How much each category counts in a course's total (relative weights; shown as percentages)."""

    course = models.OneToOneField(
        "accounts.Course", on_delete=models.CASCADE, related_name="gradebook_weights"
    )
    quiz_weight = models.DecimalField(
        _("live quizzes"), max_digits=6, decimal_places=2, default=Decimal("20"), validators=WEIGHT_VALIDATORS
    )
    assignment_weight = models.DecimalField(
        _("homework"), max_digits=6, decimal_places=2, default=Decimal("50"), validators=WEIGHT_VALIDATORS
    )
    milestone_weight = models.DecimalField(
        _("semester project"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("30"),
        validators=WEIGHT_VALIDATORS,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gradebook weights")
        verbose_name_plural = _("gradebook weights")

    def __str__(self) -> str:
        return (
            f"{self.course.code}: quizzes {self.quiz_weight}, homework {self.assignment_weight}, "
            f"project {self.milestone_weight}"
        )


class Adjustment(models.Model):
    """A manual decision about one student's column: excused, a deadline extension, or an override.

    Kept for the record: withdrawing one sets ``withdrawn_at`` instead of deleting it. Of the active
    adjustments of one kind for one (student, column), the latest applies.
    """

    KIND_CHOICES = [
        (AdjustmentKind.EXCUSED.value, _("Excused")),
        (AdjustmentKind.EXTENSION.value, _("Deadline extension")),
        (AdjustmentKind.OVERRIDE.value, _("Override points")),
    ]

    course = models.ForeignKey(
        "accounts.Course", on_delete=models.CASCADE, related_name="gradebook_adjustments"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gradebook_adjustments"
    )
    column_key = models.CharField(
        _("column"), max_length=40, help_text=_("quiz:<game id>, assignment:<id> or milestone:<id>.")
    )
    column_title = models.CharField(_("column title"), max_length=250, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(
        _("extension (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gradebook_adjustments_made"
    )
    created_at = models.DateTimeField(_("recorded at"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["course", "student", "created_at", "pk"]
        indexes = [models.Index(fields=["course", "student", "column_key"])]
        verbose_name = _("gradebook adjustment")
        verbose_name_plural = _("gradebook adjustments")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="override") | models.Q(points__isnull=False),
                name="gradebook_override_has_points",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="extension") | models.Q(extension_days__isnull=False),
                name="gradebook_extension_has_days",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} {self.student} {self.column_key}: {self.kind}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class GradingScheme(models.Model):
    """Per course: the total percent each mark 2–5 needs (``gradebook.marks``); the defaults without a row."""

    course = models.OneToOneField("accounts.Course", on_delete=models.CASCADE, related_name="grading_scheme")
    mark2_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(40))
    mark3_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(55))
    mark4_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(70))
    mark5_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(85))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.course.code}: 2 ≥ {self.mark2_percent} %, 5 ≥ {self.mark5_percent} %"


class GradeCondition(models.Model):
    """One condition of the signature or of the offered grade on one gradebook column."""

    PURPOSES = [("signature", _("Signature")), ("offered", _("Offered grade"))]
    REQUIREMENTS = [
        ("handed_in", _("handed in")),
        ("on_time", _("handed in on time")),
        ("min_percent", _("at least a share of its points")),
    ]

    course = models.ForeignKey("accounts.Course", on_delete=models.CASCADE, related_name="grade_conditions")
    purpose = models.CharField(max_length=20, choices=PURPOSES)
    column_key = models.CharField(max_length=80)
    column_title = models.CharField(max_length=250, blank=True)
    requirement = models.CharField(max_length=20, choices=REQUIREMENTS)
    min_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "purpose", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "purpose", "column_key", "requirement"], name="grade_condition_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(requirement="min_percent")
                | models.Q(min_percent__isnull=False, min_percent__gte=0, min_percent__lte=100),
                name="grade_condition_min_percent_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} {self.purpose}: {self.column_key} {self.requirement}"
