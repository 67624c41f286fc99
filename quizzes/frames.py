"""The live game's WebSocket frames: size- and depth-safe parsing and a strict schema per frame type.

Plain Python (no Django). A socket calls ``frame_parse`` on every text frame before dispatch; it
returns the checked fields or raises FrameError, and nothing else runs for a frame that fails.
Everything a phone sends is hostile: a 4,000-character JSON nested 2,000 deep made ``json.loads``
raise RecursionError (the connection dropped with a traceback per frame), and ``true`` passed where
a player id was due (``True == 1`` in Python).
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import PlatformError

MAX_FRAME = 4096  # characters; the largest legitimate frame (a 200-character typed answer) is ~300
MAX_DEPTH = 3  # {"type": "answer", "picks": [0, 2]} is depth 2
MAX_TOKENS = 64  # strings and brackets; the largest frame of the protocol has 10
MAX_ID = 2**31 - 1  # ids and indexes are database integers
MAX_INDEX = 1000  # question indexes; a quiz has far fewer questions

# A JSON string (with escapes) or one structural bracket: brackets inside strings do not nest.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


# A frame of a known type whose fields do not fit its schema; FRAME_ERROR_CODES: all frame_parse raises.
FIELD_ERROR_CODES = frozenset(
    {
        "field_not_integer",
        "field_not_text",
        "field_not_choice",
        "field_not_list",
        "field_missing",
        "unknown_field",
    }
)
FRAME_ERROR_CODES = FIELD_ERROR_CODES | {
    "frame_not_text", "frame_too_large", "frame_too_deep", "bad_json", "frame_not_object", "unknown_type",
    "field_repeated", "field_not_finite",
}  # fmt: skip


class FrameError(PlatformError):
    """A frame that does not fit the protocol; the message says what the client must send
    (codes ``frame_*``, ``field_*``, ``bad_json``, ``unknown_type``, ``unknown_field``: quizzes/errors.py)."""

    request: str | None = None  # the frame's type, once it is known to be one of the socket's


Check = Callable[[Any], Any]  # returns the checked value or raises FrameError


@dataclass(frozen=True)
class Field:
    check: Check
    required: bool = True


@dataclass(frozen=True)
class Frame:
    """A checked frame: its type and its fields (only the declared ones, each of the declared type)."""

    type: str
    fields: Mapping[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def integer(*, low: int, high: int, what: str) -> Check:
    def check(value: Any) -> int:
        # bool is an int in Python: "player": true must not mean player 1.
        if type(value) is not int or not low <= value <= high:
            raise FrameError("field_not_integer", field=what, low=low, high=high)
        return value

    return check


def text(*, max_length: int, what: str, min_length: int = 0) -> Check:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not min_length <= len(value) <= max_length:
            raise FrameError("field_not_text", field=what, max_length=max_length)
        return value

    return check


def choice(*, options: tuple[str, ...], what: str) -> Check:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise FrameError("field_not_choice", field=what, options=", ".join(options))
        return value

    return check


def integers(*, low: int, high: int, max_items: int, what: str) -> Check:
    item = integer(low=low, high=high, what=what)

    def check(value: Any) -> list[int]:
        if not isinstance(value, list) or not 1 <= len(value) <= max_items:
            raise FrameError("field_not_list", field=what, max_items=max_items)
        return [item(v) for v in value]

    return check


Schema = Mapping[str, Field]


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise FrameError("field_repeated", field=key[:40])
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise FrameError("field_not_finite")


def nesting_too_deep(text_data: str, *, limit: int = MAX_DEPTH) -> bool:
    """Whether brackets nest deeper than ``limit`` in a JSON text (brackets inside strings do not count),
    or the text has more strings and brackets than any frame of the protocol (MAX_TOKENS).

    No recursion, and it stops early: a hostile 4,000-character frame costs at most MAX_TOKENS matches.
    """
    if text_data.count("[") + text_data.count("{") <= limit:
        return False  # this few brackets cannot nest deeper (the common, cheap case)
    depth = 0
    for count, match in enumerate(_TOKENS.finditer(text_data)):
        if count >= MAX_TOKENS:
            return True
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


def frame_parse(*, text_data: str | None, schemas: Mapping[str, Schema]) -> Frame:
    """Parse and check one text frame against the schema of its type.

    Raises FrameError (codes ``frame_too_large``, ``bad_json``, ``unknown_type``, ``field_missing`` …)
    with a message saying what is wrong; never RecursionError, whatever the client sends.
    """
    if text_data is None:
        raise FrameError("frame_not_text")
    if len(text_data) > MAX_FRAME:
        raise FrameError("frame_too_large", limit=MAX_FRAME)
    if nesting_too_deep(text_data):
        raise FrameError("frame_too_deep", limit=MAX_DEPTH)
    try:
        message = json.loads(text_data, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except FrameError:
        raise
    except (ValueError, RecursionError):  # RecursionError: unreachable after the depth check
        raise FrameError("bad_json") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise FrameError("frame_not_object")
    kind = message.pop("type")
    schema = schemas.get(kind)
    if schema is None:
        raise FrameError("unknown_type", type=kind[:40])
    try:
        return Frame(kind, _fields_check(kind=kind, message=message, schema=schema))
    except FrameError as error:
        error.request = kind
        raise


def _fields_check(*, kind: str, message: dict[str, Any], schema: Schema) -> dict[str, Any]:
    unknown = sorted(set(message) - set(schema))
    if unknown:
        raise FrameError("unknown_field", field=unknown[0][:40], type=kind)
    fields: dict[str, Any] = {}
    for name, field in schema.items():
        if name in message:
            fields[name] = field.check(message[name])
        elif field.required:
            raise FrameError("field_missing", type=kind, field=name)
    return fields


# --- The two sockets' frames (docs/websocket-protocol.md) ---------------------------------------

_QUESTION = integer(low=0, high=MAX_INDEX, what="question")

PLAYER_FRAMES: dict[str, Schema] = {
    "join": {"neptun": Field(text(max_length=40, what="neptun"), required=False)},
    "resume": {"seat": Field(text(max_length=64, what="seat"))},
    "answer": {
        "question": Field(_QUESTION),
        "picks": Field(integers(low=0, high=63, max_items=16, what="picks"), required=False),
        "text": Field(text(max_length=200, what="text"), required=False),
    },
    "ping": {},
}

HOST_FRAMES: dict[str, Schema] = {
    "advance": {
        "phase": Field(choice(options=("lobby", "question", "reveal", "scoreboard"), what="phase")),
        "index": Field(integer(low=-1, high=MAX_INDEX, what="index")),
    },
    "skip": {"index": Field(_QUESTION)},
    "remove": {
        "player": Field(integer(low=1, high=MAX_ID, what="player")),
        "reason": Field(text(max_length=500, what="reason"), required=False),
    },
    "approve": {"request": Field(integer(low=1, high=MAX_ID, what="request"))},
    "deny": {"request": Field(integer(low=1, high=MAX_ID, what="request"))},
    "end": {},
    "ping": {},
}
