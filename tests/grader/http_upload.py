"""Uploads over real HTTP to a real server process (multipart by hand: the standard library only)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from grader import problem_catalog


def predictions_good(key: str = "fever-regression", value: str = "37.5") -> bytes:
    """A valid prediction file for a task (every test id, one value)."""
    spec = problem_catalog.catalog_problem(key)
    lines = ["id," + ",".join(spec.columns)] + [
        f"{i}," + ",".join([value] * len(spec.columns)) for i in range(spec.n_test)
    ]
    return ("\n".join(lines) + "\n").encode()


def api_request(
    url: str, *, token: str, method: str = "GET", body: bytes | None = None, content_type: str | None = None
) -> tuple[int, dict[str, Any] | None, str, float]:
    """(status, JSON body or None, content type, seconds) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Accept", "application/json")
    if content_type:
        request.add_header("Content-Type", content_type)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw, kind = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers.get("Content-Type", "")
    seconds = time.monotonic() - started
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    return status, data, kind, seconds


def api_upload(
    base_url: str, *, assignment_id: int, token: str, content: bytes, name: str = "predictions.csv"
) -> tuple[int, dict[str, Any] | None, str, float]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return api_request(
        f"{base_url}/api/assignments/{assignment_id}/submissions/",
        token=token,
        method="POST",
        body=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
