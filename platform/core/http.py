"""Small request helpers shared by views and API views."""

from typing import Any

from accounts.models import User
from core.errors import PermissionDeniedError


def request_user(request: Any) -> User:
    """The logged-in user of a view behind login_required / IsAuthenticated (typed as User)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDeniedError("login_first")
    return user
