"""What apps above core add to the home page, registered from their AppConfig.ready() (like the demo seeders).

core sits below the apps it would show (the student dashboard reads quizzes, grader and projects), so the home
view never imports them: each registers a provider that gives template context for the user logged in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.models import User

# ``(user=)`` -> template context for core/home.html (e.g. {"dashboard": ...}).
HomeContextProvider = Callable[..., dict[str, Any]]

_PROVIDERS: dict[str, HomeContextProvider] = {}


def home_context_register(*, name: str, provider: HomeContextProvider) -> None:
    """Register (or replace: ready() may run twice in tests) an app's part of the home page."""
    _PROVIDERS[name] = provider


def home_context(*, user: User) -> dict[str, Any]:
    """The registered apps' context for ``user``, merged in the order of their names."""
    context: dict[str, Any] = {}
    for name in sorted(_PROVIDERS):
        context.update(_PROVIDERS[name](user=user))
    return context
