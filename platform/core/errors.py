"""The project's one application error type.

Services raise PlatformError (or a subclass) with a message written for the person who will
read it; views, API views and consumers turn it into a form error, a 400 response or an error frame.
"""


class PlatformError(Exception):
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class PermissionDeniedError(PlatformError):
    code = "permission_denied"


class NotFoundError(PlatformError):
    code = "not_found"


class StorageUnavailableError(PlatformError):
    """A server-side part (disk, database, broker) cannot take the request now; not the user's fault (503)."""

    code = "unavailable"
