"""Users identified by Neptun code, courses, enrollments with per-course roles, invitations."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models

from accounts.neptun import InvalidNeptunCode, neptun_normalize


def validate_neptun_code(value: str) -> None:
    try:
        if neptun_normalize(value) != value:
            raise ValidationError("Neptun codes are stored upper-case.")
    except InvalidNeptunCode as error:
        raise ValidationError(str(error)) from error


class User(AbstractUser):
    """A person on the platform. Students log in with their Neptun code as username."""

    neptun_code = models.CharField(
        max_length=6,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_neptun_code],
        help_text="6 characters, A–Z and 0–9, upper-case. Empty for staff without one.",
    )
    full_name = models.CharField(max_length=200, blank=True)
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text="Interface language; empty: the browser's choice.",
    )

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["username"]

    def save(self, *args, **kwargs):
        if self.neptun_code:
            self.neptun_code = neptun_normalize(self.neptun_code)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        name = self.full_name or self.get_full_name()
        ident = self.neptun_code or self.username
        return f"{ident} ({name})" if name else ident

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Course(models.Model):
    code = models.CharField(max_length=40, unique=True, help_text="e.g. VITMMA19")
    title = models.CharField(max_length=200)
    term = models.CharField(max_length=20, help_text="e.g. 2026/27/1")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-term", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title} ({self.term})"


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    INSTRUCTOR = "instructor", "Instructor"
    GRADER = "grader", "Grader"


class Enrollment(models.Model):
    """A person's role in one course. One row per (course, user)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STUDENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="one_enrollment_per_course")]
        ordering = ["course", "user__neptun_code", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.course.code} as {self.role}"


class Invitation(models.Model):
    """A one-time activation link. Only the token's hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        state = "used" if self.used_at else "open"
        return f"Invitation for {self.user} ({state})"
