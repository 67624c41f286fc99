"""Writes about people: staff accounts, enrollments, invitations, API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.errors import neptun_code_error
from accounts.models import Course, Enrollment, Invitation, Role, User
from accounts.neptun import InvalidNeptunCode, neptun_normalize
from accounts.roles import GROUP_NAMES, groups_sync
from core.errors import PlatformError


class InvitationError(PlatformError):
    code = "invitation_invalid"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enrollment_set(*, course: Course, user: User, role: str) -> Enrollment:
    """Give the user this role in the course, and the matching site-wide group (a label, no rights).

    Never sets ``is_staff``: the admin is for superusers, course staff use the platform's pages.
    """
    if role not in Role.values:
        raise PlatformError("unknown_role", role=role)
    enrollment, _ = Enrollment.objects.update_or_create(course=course, user=user, defaults={"role": role})
    if not Group.objects.filter(name=GROUP_NAMES[Role(role)]).exists():
        groups_sync()
    user.groups.add(Group.objects.get(name=GROUP_NAMES[Role(role)]))
    return enrollment


def staff_user_create(
    *,
    username: str,
    email: str,
    password: str,
    role: str,
    full_name: str = "",
    neptun_code: str | None = None,
    course: Course | None = None,
) -> User:
    """Create an instructor or grader account (the createsuperuser-like command calls this)."""
    if role not in (Role.INSTRUCTOR, Role.GRADER):
        raise PlatformError("staff_accounts_instructors_graders")
    if User.objects.filter(username=username).exists():
        raise PlatformError("username_taken", username=username)
    code = None
    if neptun_code:
        try:
            code = neptun_normalize(neptun_code)
        except InvalidNeptunCode as error:
            raise neptun_code_error(neptun_code) from error
    user = User(username=username, email=email, full_name=full_name, neptun_code=code)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise PlatformError("password_rejected", reasons=" ".join(error.messages)) from error
    user.set_password(password)
    with transaction.atomic():
        user.save()
        groups_sync()
        user.groups.add(Group.objects.get(name=GROUP_NAMES[Role(role)]))
        if course is not None:
            enrollment_set(course=course, user=user, role=role)
    return user


def invitation_create(*, user: User, course: Course | None = None) -> str:
    """Make a one-time activation token for the user and return it (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        user=user,
        course=course,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    return token


def invitation_url(*, token: str) -> str:
    return settings.SITE_URL + reverse("accounts:activate", kwargs={"token": token})


def invitations_send(*, course: Course, users: list[User] | None = None) -> int:
    """E-mail an activation link to every not yet activated student of the course who has an e-mail.

    Returns how many were sent. In the embedded mode the e-mails are printed on the console.
    """
    if users is None:
        users = [
            e.user
            for e in Enrollment.objects.filter(course=course, role=Role.STUDENT).select_related("user")
            if not e.user.has_usable_password() and e.user.email
        ]
    sent = 0
    for user in users:
        token = invitation_create(user=user, course=course)
        send_mail(
            subject=f"[{course.code}] Activate your account",
            message=(
                f"Dear {user.display_name},\n\n"
                f"You are enrolled in {course.title} ({course.term}) with Neptun code {user.neptun_code}.\n"
                "Set your password here "
                f"(the link works once, for {settings.INVITATION_VALID_DAYS} days):\n\n"
                f"{invitation_url(token=token)}\n"
            ),
            from_email=None,
            recipient_list=[user.email],
        )
        sent += 1
    return sent


def invitation_check(*, token: str) -> Invitation:
    invitation = Invitation.objects.select_related("user").filter(token_hash=_token_hash(token)).first()
    if invitation is None:
        raise InvitationError("activation_link_not_valid")
    if invitation.used_at is not None:
        raise InvitationError("activation_link_already_used")
    if invitation.expires_at < timezone.now():
        raise InvitationError("activation_link_expired_ask")
    return invitation


def invitation_accept(*, token: str, password: str) -> User:
    """Activate the invited account with the chosen password; the link then stops working."""
    with transaction.atomic():
        invitation = invitation_check(token=token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:
            raise InvitationError("activation_link_used")
        user = invitation.user
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise PlatformError("password_rejected", reasons=" ".join(error.messages)) from error
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
    return user


def api_token_regenerate(*, user: User) -> Token:
    """Replace the user's API token (for scripted submission) with a new one."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def user_language_set(*, user: User, language: str) -> None:
    """Save the user's interface language ("en", "hu", or "" for the browser's choice).

    Refuses (``PlatformError``) a language the site has no translation for.
    """
    if language and language not in dict(settings.LANGUAGES):
        raise PlatformError("unknown_language", language=language)
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
