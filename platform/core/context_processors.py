"""What every page's header needs: whether the user teaches, so the menu fits the role."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.selectors import user_is_teaching_staff


def site_nav(request: HttpRequest) -> dict[str, Any]:
    """``nav_teaching``: instructor or grader of some course. Lazy: a page without the menu asks nothing."""
    user = getattr(request, "user", None)
    return {"nav_teaching": SimpleLazyObject(lambda: user is not None and user_is_teaching_staff(user=user))}
