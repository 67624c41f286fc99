"""The reader's language outside a request: for a WebSocket, as the pages choose it for a request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.utils import translation


def language_from_scope(scope: Mapping[str, Any]) -> str:
    """The language a socket's pages are shown in: the logged-in user's saved choice, else the
    language cookie, else Accept-Language, else the default (LocaleMiddleware, then
    accounts' UserLanguageMiddleware, choose the same way for a page)."""
    user = scope.get("user")
    saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
    if saved:
        try:
            return translation.get_supported_language_variant(saved)
        except LookupError:
            pass
    headers = {name.lower(): value for name, value in scope.get("headers", ())}
    request = HttpRequest()
    cookies = scope.get("cookies")
    if cookies is None:
        cookies = parse_cookie(headers.get(b"cookie", b"").decode("latin-1"))
    request.COOKIES = dict(cookies)
    request.META["HTTP_ACCEPT_LANGUAGE"] = headers.get(b"accept-language", b"").decode("latin-1")
    return translation.get_language_from_request(request)
