"""Activates the logged-in user's saved interface language (``User.language``).

Goes after ``AuthenticationMiddleware``: ``LocaleMiddleware`` (earlier) has picked the language from
the cookie or the browser; a saved choice on the account wins over both, on every device.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
