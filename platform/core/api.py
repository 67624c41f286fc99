"""REST API plumbing shared by every app."""

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import NotFoundError, PermissionDeniedError, PlatformError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus PlatformError → 400/403/404 with {"detail", "code"}."""
    if isinstance(exc, PlatformError):
        http_status: int = status.HTTP_400_BAD_REQUEST
        if isinstance(exc, PermissionDeniedError):
            http_status = status.HTTP_403_FORBIDDEN
        elif isinstance(exc, NotFoundError):
            http_status = status.HTTP_404_NOT_FOUND
        return Response({"detail": exc.message, "code": exc.code}, status=http_status)
    return drf_exception_handler(exc, context)
