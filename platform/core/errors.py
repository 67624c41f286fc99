"""The project's one error contract: ``PlatformError(code, **params)``.

A service raises PlatformError (or a subclass) with a ``code`` that names what went wrong and the
``params`` its message needs. Each code has one message template, registered once in its app's
catalog (``<app>/errors.py``: gettext_lazy templates, registered by the app's ``AppConfig.ready()``).
The message is made when it is read, in the language active there: the request's for a page or an
API response, the player's for a WebSocket frame. Clients switch on the code; people read the
message; JavaScript shows it and never translates by matching English text (Saleor's error codes).

Views, API views and consumers turn a PlatformError into a form error, a JSON error
(``{"detail", "code", "params"}``) or an error frame (``{"code", "params", "message"}``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

Param = str | int | float  # JSON scalars: params travel in API responses and WebSocket frames

# code -> (template, the catalog's module): one template per code in the whole house.
_CATALOG: dict[str, tuple[Promise | str, str]] = {}


def error_messages_register(*, owner: str, messages: Mapping[str, Promise | str]) -> None:
    """Register an app's codes and their templates (``%(name)s`` placeholders, filled from params).

    Raises ValueError when another catalog already owns one of the codes: a code means one thing.
    """
    for code, template in messages.items():
        known = _CATALOG.get(code)
        if known is not None and known[1] != owner:
            raise ValueError(f"Error code {code!r} is in both {known[1]} and {owner}.")
        _CATALOG[code] = (template, owner)


def error_catalog() -> dict[str, Promise | str]:
    """Every registered code and its (lazy) template; for tests and documentation."""
    return {code: template for code, (template, _owner) in _CATALOG.items()}


def error_message(code: str, params: Mapping[str, object] | None = None) -> str:
    """The message of ``code`` in the active language, its placeholders filled from ``params``.

    An unknown code (a bug the catalog test catches) reads as the code itself, never a crash.
    """
    entry = _CATALOG.get(code)
    if entry is None:
        logger.warning("error code %r has no message template", code)
        return code
    template = str(entry[0])
    if not params:
        return template
    values = {name: str(value) if isinstance(value, Promise) else value for name, value in params.items()}
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        logger.warning("error code %r: params %r do not fit its template", code, sorted(params))
        return template


def error_fields(code: str, **params: Param) -> dict[str, Any]:
    """``code``, ``params`` and the translated ``message``: what a frame or a JSON error carries."""
    return {"code": code, "params": params, "message": error_message(code, params)}


class PlatformError(Exception):
    """An error the reader can act on. ``code`` names it (see the catalogs); ``params`` fill its message.

    ``message`` (and ``str(error)``) is made in the language active when it is read.
    """

    code = "invalid"

    def __init__(self, code: str | None = None, /, **params: Param) -> None:
        if code:
            self.code = code
        self.params: dict[str, Param] = params
        super().__init__(self.code, params)

    @property
    def message(self) -> str:
        return error_message(self.code, self.params)

    def fields(self) -> dict[str, Any]:
        """``code``, ``params`` and the translated ``message``."""
        return {"code": self.code, "params": self.params, "message": self.message}

    def __str__(self) -> str:
        return self.message


class PermissionDeniedError(PlatformError):
    code = "permission_denied"


class NotFoundError(PlatformError):
    code = "not_found"


class StorageUnavailableError(PlatformError):
    """A server-side part (disk, database, broker) cannot take the request now; not the user's fault (503)."""

    code = "unavailable"


# The site-wide codes; each app's own are in its errors.py.
MESSAGES: dict[str, Promise] = {
    "invalid": _("This request is not valid."),
    "permission_denied": _("You do not have permission to do this."),
    "not_found": _("There is nothing at this address."),
    "unavailable": _("The server cannot take this request right now. Please try again in a minute."),
    "login_first": _("Log in first."),
    "bad_request": _("The request could not be understood."),
    "server_error": _("Something went wrong on the server (not your fault). Please try again later."),
    "database_unavailable": _("The database cannot be reached right now. Please try again in a minute."),
    "storage_full": _("The server's disk is full. Nothing was saved; please try again later."),
    "service_unavailable": _("A server the site depends on cannot be reached. Please try again in a minute."),
}
error_messages_register(owner=__name__, messages=MESSAGES)
