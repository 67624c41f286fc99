"""A course's term state: closed (read-only) or open, its frozen final export, its retention period.

A course without a row is open, with the default retention; rows are made when something is decided.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Two years after the term: the university's exam records keep the grade itself; what we hold (files,
# answers, logs) is only needed while a grade can still be disputed.
DEFAULT_RETENTION_DAYS = 730


class CourseTerm(models.Model):
    course = models.OneToOneField("accounts.Course", on_delete=models.CASCADE, related_name="term_state")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    final_export_csv = models.TextField(_("final grade export"), blank=True)
    final_export_sha256 = models.CharField(max_length=64, blank=True)
    final_export_at = models.DateTimeField(_("final export made at"), null=True, blank=True)
    retention_days = models.PositiveIntegerField(
        _("keep personal data for (days after closing)"),
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
    )
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("course term")

    def __str__(self) -> str:
        state = "closed" if self.closed_at else "open"
        return f"{self.course_id} ({state})"


class TermEventKind(models.TextChoices):
    CLOSED = "closed", _("Closed (read-only)")
    REOPENED = "reopened", _("Reopened")
    COPIED = "copied", _("Copied into a new term")
    ERASED = "erased", _("Personal data erased")
    RETENTION = "retention", _("Retention period changed")


class TermEvent(models.Model):
    """What happened to a course's term, with who and why: the record a reopening must leave."""

    course = models.ForeignKey("accounts.Course", on_delete=models.CASCADE, related_name="term_events")
    kind = models.CharField(max_length=20, choices=TermEventKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.course_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"
