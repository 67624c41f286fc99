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
