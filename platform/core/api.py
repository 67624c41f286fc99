"""REST API plumbing shared by every app: errors are JSON with a message and a code, numbers are finite.

A JSON client never gets an HTML page: PlatformError and DRF's own errors become ``{"detail", "code"}``
(PlatformError's with its ``params`` too; ``detail`` is the message in the request's language),
and so does anything unexpected (database, broker or disk down: 503; a bug: 500), in DRF's handler, in
``ApiErrorsMiddleware`` (views outside DRF, DEBUG) and in the 400/403/404/500 handlers for ``/api/`` paths.
"""

from __future__ import annotations

import errno
import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import (
    NotFoundError,
    PermissionDeniedError,
    PlatformError,
    StorageUnavailableError,
    error_message,
)

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def _body(code: str) -> dict[str, str]:
    return {"detail": error_message(code), "code": code}


def _unexpected(exc: BaseException) -> tuple[int, dict[str, str]]:
    """Status and body for an exception that is not the client's fault."""
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("API request failed on the database: %s", exc)
        return 503, _body("database_unavailable")
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        logger.error("API request failed, disk full: %s", exc)
        return 503, _body("storage_full")
    if type(exc).__module__.split(".")[0] in {"kombu", "redis", "amqp"} or isinstance(exc, ConnectionError):
        logger.error("API request failed on a server it depends on: %s", exc)
        return 503, _body("service_unavailable")
    logger.error("API request failed", exc_info=exc)
    return 500, _body("server_error")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's handler, plus PlatformError → 400/403/404/503 and anything else → 500/503, all as
    ``{"detail": message, "code": code}`` (a PlatformError's with ``"params"`` too)."""
    if isinstance(exc, PlatformError):
        http_status: int = status.HTTP_400_BAD_REQUEST
        if isinstance(exc, PermissionDeniedError):
            http_status = status.HTTP_403_FORBIDDEN
        elif isinstance(exc, NotFoundError):
            http_status = status.HTTP_404_NOT_FOUND
        elif isinstance(exc, StorageUnavailableError):
            http_status = status.HTTP_503_SERVICE_UNAVAILABLE
        return Response({"detail": exc.message, "code": exc.code, "params": exc.params}, status=http_status)
    response = drf_exception_handler(exc, context)
    if response is not None:
        if isinstance(response.data, dict) and "detail" in response.data and "code" not in response.data:
            detail = response.data["detail"]
            response.data["code"] = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        return response
    set_rollback()
    http_status, body = _unexpected(exc)
    return Response(body, status=http_status)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class ApiErrorsMiddleware:
    """An exception raised by a view under ``/api/`` outside DRF's handling becomes a JSON error too
    (with DEBUG on as well, where Django would show its HTML debug page)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_api(request) or isinstance(exception, PlatformError):
            return None
        from django.core.exceptions import PermissionDenied, SuspiciousOperation
        from django.http import Http404

        if isinstance(exception, Http404 | PermissionDenied | SuspiciousOperation):
            return None  # the handlers below answer these
        http_status, body = _unexpected(exception)
        return JsonResponse(body, status=http_status)


def _json_or(default: Any, http_status: int, code: str) -> Any:
    def handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if _is_api(request):
            return JsonResponse(_body(code), status=http_status)
        if exception is None:
            return default(request)
        return default(request, exception)

    return handler


bad_request = _json_or(defaults.bad_request, 400, "bad_request")
permission_denied = _json_or(defaults.permission_denied, 403, "permission_denied")
page_not_found = _json_or(defaults.page_not_found, 404, "not_found")
server_error = _json_or(defaults.server_error, 500, "server_error")
