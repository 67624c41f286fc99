"""The site's own rows: the audit log of grade changes.

It lives in core, not in the apps that change grades, so one table answers "who changed this student's
grade, when, from what to what" across the gradebook, the projects and the quizzes.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class GradeAuditEntry(models.Model):
    """One change to a grade: who, when, the value before and after (JSON, as the owner app shapes it).

    Rows are only ever added. ``student`` stays a foreign key through pseudonymisation (the user row is
    renamed, not deleted), so the log keeps its shape after the retention sweep.
    """

    course = models.ForeignKey("accounts.Course", on_delete=models.CASCADE, related_name="grade_audit")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("change"), max_length=40)
    subject = models.CharField(_("what"), max_length=250)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["course", "at"])]
        verbose_name = _("grade audit entry")
        verbose_name_plural = _("grade audit log")

    def __str__(self) -> str:
        return f"{self.course_id} {self.action} {self.subject} at {self.at:%Y-%m-%d %H:%M}"
