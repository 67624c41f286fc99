"""Why a student's run failed, in a form the first screen can show, read from its (hostile) log.

The sandbox's runners end a failed run with one ``DLIP-FAILURE {json}`` line (``grader/runners``): the
failing notebook cell or script line, the source around it and the error's type and message. Everything
here treats the log as the student's text: only the last such line counts, it is parsed only when short,
every field is checked and cut to a size, and nothing is ever marked safe for HTML (the templates escape
it). A log without the line (an old runner, a run killed mid-way) falls back to its last Python traceback.
Plain Python, no Django: the grading service calls ``failure_from_log`` and stores the dict;
``log_for_display`` drops the platform's own noise from the log the student reads.
"""

from __future__ import annotations

import json
import re
from typing import Any

FAILURE_MARKER = "DLIP-FAILURE "
MAX_MARKER_LINE = 16 * 1024  # the runners write at most ~5 KB
MAX_TYPE = 200
MAX_MESSAGE = 2000
MAX_EXCERPT_LINES = 7
MAX_EXCERPT_LINE = 300
_TRACEBACK_SCAN = 64 * 1024  # of the log's end, for the fallback

# Lines the platform itself prints, which tell the student nothing about their code.
_NOISE = (
    re.compile(r"^\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption\b.*$"),
    re.compile(r"^DLIP-FAILURE \{.*$"),
    re.compile(r"^DLIP-RUNNER: .*$"),
)
_ERROR_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_FRAME_LINE = re.compile(r'^\s*File "([^"]*)", line (\d+)')


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**7 else None


def _clean(raw: dict[str, Any]) -> dict[str, Any] | None:
    where = raw.get("where")
    error_type = _text(raw.get("error_type"), MAX_TYPE)
    if where not in ("cell", "script") or not error_type:
        return None
    excerpt = raw.get("excerpt")
    lines = (
        [_text(line, MAX_EXCERPT_LINE) for line in excerpt[:MAX_EXCERPT_LINES]]
        if isinstance(excerpt, list)
        else []
    )
    return {
        "where": where,
        "cell": _number(raw.get("cell")) if where == "cell" else None,
        "error_type": error_type,
        "message": _text(raw.get("message"), MAX_MESSAGE),
        "line": _number(raw.get("line")),
        "excerpt_first_line": _number(raw.get("excerpt_first_line")) or 1,
        "excerpt": lines,
    }


def _from_traceback(log: str) -> dict[str, Any] | None:
    """The last Python traceback of the log: its error line and the last frame's line number."""
    tail = log[-_TRACEBACK_SCAN:]
    start = tail.rfind("Traceback (most recent call last):")
    if start < 0:
        return None
    line: int | None = None
    for text in tail[start:].splitlines()[1:]:
        frame = _FRAME_LINE.match(text)
        if frame:
            line = _number(int(frame.group(2))) if len(frame.group(2)) < 8 else None
            continue
        if text.startswith((" ", "\t")) or not text.strip():
            continue
        error = _ERROR_LINE.match(text.strip())
        if error:
            return {
                "where": "script",
                "cell": None,
                "error_type": error.group(1)[:MAX_TYPE],
                "message": (error.group(2) or "")[:MAX_MESSAGE],
                "line": line,
                "excerpt_first_line": 1,
                "excerpt": [],
            }
        return None
    return None


def failure_from_log(log: str) -> dict[str, Any] | None:
    """The failure the run's log reports (see the module's docstring), or None when it names none.

    The result has ``where`` ("cell" or "script"), ``cell`` (1-based, notebooks), ``error_type``,
    ``message``, ``line`` (in the cell or script, when known), ``excerpt_first_line`` and ``excerpt`` (the
    source lines around ``line``), each bounded in size."""
    index = log.rfind(FAILURE_MARKER)
    while index >= 0:
        if index == 0 or log[index - 1] == "\n":
            end = log.find("\n", index)
            line = log[index + len(FAILURE_MARKER) : end if end >= 0 else len(log)]
            if len(line) <= MAX_MARKER_LINE:
                try:
                    raw = json.loads(line)
                except ValueError:
                    raw = None
                found = _clean(raw) if isinstance(raw, dict) else None
                if found is not None:
                    return found
            break
        index = log.rfind(FAILURE_MARKER, 0, index)
    return _from_traceback(log)


def failure_summary(failure: dict[str, Any]) -> str:
    """One line: ``KeyError: 'missing'`` (the error's type and message)."""
    message = failure.get("message") or ""
    return f"{failure.get('error_type', '')}: {message}" if message else str(failure.get("error_type", ""))


def failure_excerpt(failure: dict[str, Any]) -> list[tuple[int, str, bool]]:
    """The excerpt as (line number, text, is the failing line) rows, for the page."""
    first = int(failure.get("excerpt_first_line") or 1)
    failing = failure.get("line")
    return [
        (first + offset, text, first + offset == failing)
        for offset, text in enumerate(failure.get("excerpt") or [])
    ]


def log_for_display(log: str) -> str:
    """The log without the platform's own lines (the kernel's TCP warning, the runners' markers)."""
    kept = [line for line in log.split("\n") if not any(pattern.match(line) for pattern in _NOISE)]
    return "\n".join(kept).strip("\n")


__all__ = ["FAILURE_MARKER", "failure_excerpt", "failure_from_log", "failure_summary", "log_for_display"]
