"""Site-wide response headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Add ``settings.CONTENT_SECURITY_POLICY`` to every response that has none of its own.

    ``{websocket}`` in the policy becomes this host's ws:// or wss:// origin: older browsers do not let
    ``'self'`` cover WebSockets, and the live quiz needs them. A view that sets its own policy (the
    executed notebook's sandbox) keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            try:
                origin = f"{'wss' if request.is_secure() else 'ws'}://{request.get_host()}"
            except DisallowedHost:  # the 400 answer to a foreign Host: 'self' alone, never that host
                origin = ""
            response["Content-Security-Policy"] = policy.replace("{websocket}", origin).replace(" ;", ";")
        return response
