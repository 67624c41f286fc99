"""Reading the shapes and counts that students type.

``shape_parse`` and ``count_parse`` accept the ways people write them (``12@28x28``, ``12x28x28``,
``(12, 28, 28)``, ``[1, 12, 28, 28]``; ``912``, ``9,264``, ``9 264``, ``14448.0``). Anything else
raises ``AnswerFormatError`` (a PlatformError: its code and message tell the student what form is
expected, in the student's language); no other
exception ever escapes, whatever the text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from core.errors import PlatformError

if TYPE_CHECKING:
    from quizzes.generators.core import Variant

# Long enough for any honest answer; also keeps int() far below Python's digit limit.
MAX_ANSWER_LENGTH = 80


_GROUP_SEPARATORS = ",'_ \u00a0\u202f\u2009"
_COUNT = re.compile(
    r"(?P<int>[0-9]{1,3}(?:[,'_ \u00a0\u202f\u2009][0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?",
    re.ASCII,
)
_NUMBER = re.compile(r"[0-9]+", re.ASCII)
_DEPTH = re.compile(r"(?P<depth>[0-9]+)\s*@\s*(?P<rest>.+)", re.ASCII | re.DOTALL)
_TIMES = re.compile(r"\s*[x×*]\s*", re.IGNORECASE)
_TORCH_SIZE = re.compile(r"torch\.size\s*\(\s*(?P<inner>.*)\)", re.IGNORECASE | re.DOTALL)


class AnswerFormatError(PlatformError, ValueError):
    """The text is not a shape or count in any accepted form; ``str(error)`` is for the student.

    Codes ``answer_not_text``, ``answer_empty``, ``answer_too_long``, ``count_form``, ``count_not_whole``,
    ``shape_form`` (quizzes/errors.py).
    """

    code = "shape_form"


def _clean(text: object) -> str:
    if not isinstance(text, str):
        raise AnswerFormatError("answer_not_text")
    text = text.strip()
    if not text:
        raise AnswerFormatError("answer_empty")
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerFormatError("answer_too_long", limit=MAX_ANSWER_LENGTH)
    return text


def count_parse(text: str) -> int:
    """A whole number written with optional thousands separators or a zero fraction (``14448.0``)."""
    cleaned = _clean(text)
    match = _COUNT.fullmatch(cleaned)
    if match is None:
        raise AnswerFormatError("count_form")
    if match["frac"] is not None and set(match["frac"]) != {"0"}:
        raise AnswerFormatError("count_not_whole")
    digits = match["int"]
    for separator in _GROUP_SEPARATORS:
        digits = digits.replace(separator, "")
    return int(digits)


def shape_parse(text: str) -> tuple[int, ...]:
    """A shape as a tuple of sizes: ``12@28x28``, ``12x28x28``, ``(12, 28, 28)``, ``[1, 12, 28, 28]``.

    A single number is a one-dimensional shape.
    """
    cleaned = _clean(text)
    torch_size = _TORCH_SIZE.fullmatch(cleaned)  # what print(y.shape) shows
    if torch_size is not None:
        cleaned = torch_size["inner"].strip() or "?"
    if cleaned[0] in "([" and cleaned[-1] in ")]":
        cleaned = cleaned[1:-1].strip() or "?"
    if "," in cleaned:
        parts = [p.strip() for p in cleaned.split(",")]
        if len(parts) > 1 and parts[-1] == "":
            parts.pop()  # (10,) is Python's one-element tuple
        return _sizes(parts)
    depth = _DEPTH.fullmatch(cleaned)
    if depth is not None:
        return (int(depth["depth"]), *_sizes(_TIMES.split(depth["rest"].strip())))
    return _sizes(_TIMES.split(cleaned))


def _sizes(parts: list[str]) -> tuple[int, ...]:
    if not parts or not all(_NUMBER.fullmatch(p) for p in parts):
        raise AnswerFormatError("shape_form")
    return tuple(int(p) for p in parts)


def answer_parse(*, answer_kind: str, text: str) -> tuple[int, ...]:
    """The value a student typed, as a tuple of ints, for an answer of kind "shape" or "count"."""
    if answer_kind == "count":
        return (count_parse(text),)
    return shape_parse(text)


def answer_check(*, variant: Variant, text: str) -> bool:
    """Whether ``text`` is the variant's correct answer.

    Raises ``AnswerFormatError`` (message for the student) when the text is in no accepted form:
    such a text never counts as an answer, right or wrong.
    """
    typed = answer_parse(answer_kind=variant.answer_kind, text=text)
    expected = tuple(variant.value)
    if typed == expected:
        return True
    # PyTorch prints a batch of one in front of a sample's shape: that is still right.
    return variant.answer_kind == "shape" and variant.shape_style != "tensor" and typed == (1, *expected)


def answer_mistake(*, variant: Variant, text: str) -> str:
    """The named mistake a wrong answer matches (one of the variant's distractors), or "".

    Never raises: an unreadable text or distractor matches nothing.
    """
    try:
        typed = answer_parse(answer_kind=variant.answer_kind, text=text)
    except AnswerFormatError:
        return ""
    for distractor in variant.distractors:
        try:
            wrong = answer_parse(answer_kind=variant.answer_kind, text=distractor.text)
        except AnswerFormatError:
            continue
        batch_of_one = variant.answer_kind == "shape" and variant.shape_style != "tensor"
        if typed == wrong or (batch_of_one and typed == (1, *wrong)):
            return distractor.mistake
    return ""
