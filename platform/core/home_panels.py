"""Parts of the home page provided by the apps above ``core`` (the student's dashboard), registered in
their ``AppConfig.ready()``, so ``core`` imports none of them (the layers: ``core`` < feature apps <
``gradebook`` < ``dashboards``).

A provider takes the user and returns a ``HomePanel`` (a template of its own and its context) or
``None`` when it has nothing for them; the home page includes each panel's template with ``panel``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class HomePanel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


HomePanelProvider = Callable[["User"], HomePanel | None]

_PROVIDERS: dict[str, HomePanelProvider] = {}


def home_panel_register(name: str, provider: HomePanelProvider) -> None:
    """Register (or replace: ``ready()`` may run twice in tests) a home-page panel."""
    _PROVIDERS[name] = provider


def home_panels(*, user: User) -> list[HomePanel]:
    """The panels the user gets, in registration name order."""
    panels = (provider(user) for _name, provider in sorted(_PROVIDERS.items()))
    return [panel for panel in panels if panel is not None]
