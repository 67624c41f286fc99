"""The prediction file: a CSV with an ``id`` column and one column per output, and its strict parser.

The parser reads untrusted uploads: it only splits text and converts numbers with a regular
expression check first (no pickle, no eval, no ``float("nan")`` or ``"1_000"`` surprises). Every
problem raises :class:`PredictionFormatError` with a message a student can act on.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

MAX_BYTES = 20 * 1024 * 1024
# A number is a few dozen characters; anything longer is refused before it is converted, so a cell of
# thousands of digits never reaches int() (Python refuses more than 4,300 digits with a ValueError) or a
# slow float(). Ids and class labels fit in int64 (18 digits).
MAX_CELL_CHARS = 64
# A prediction this large is a mistake, and squaring the error of values near 1e308 overflows to inf: the
# mean absolute and squared errors of values within +-1e100 are always finite.
MAX_ABS_VALUE = 1e100
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


class PredictionFormatError(ValueError):
    """A prediction file does not have the required format; the message says where and what was expected."""


def predictions_write(*, path: Path, ids: Sequence[int], columns: Sequence[str], values: np.ndarray) -> None:
    """Write ``values`` (one row per id, one column per output) in the format students submit."""
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    if values.shape != (len(ids), len(columns)):
        raise ValueError(f"values have shape {values.shape}, expected {(len(ids), len(columns))}")
    integer = np.issubdtype(values.dtype, np.integer)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(",".join(["id", *columns]) + "\n")
        for sample_id, row in zip(ids, values, strict=True):
            cells = [str(int(v)) if integer else repr(float(v)) for v in row]
            handle.write(",".join([str(int(sample_id)), *cells]) + "\n")


def _short(items: Iterable[int], limit: int = 5) -> str:
    items = sorted(items)
    text = ", ".join(str(i) for i in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _shown(cell: str) -> str:
    """A cell as quoted in an error message: at most 40 characters of it, and its length when cut."""
    if len(cell) <= 40:
        return repr(cell)
    return f"{cell[:30]!r}... ({len(cell):,} characters)"


def _text_decode(raw: bytes) -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise PredictionFormatError("The file is UTF-16 text; save it as UTF-8 CSV.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise PredictionFormatError(
            f"Line {line}: the file is not UTF-8 text (byte {exc.start} cannot be read); "
            "save it as UTF-8 CSV."
        ) from None


def _lines(text: str, max_chars: int) -> list[str]:
    """The file's lines without their ends; every one at most ``max_chars`` long (one number per cell)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    for index, line in enumerate(lines, start=1):
        if len(line) > max_chars:
            raise PredictionFormatError(
                f"Line {index} is {len(line):,} characters long; a line of this file holds an id and "
                f"numbers (at most {max_chars:,} characters). Put one prediction per line."
            )
        if "\x00" in line:
            raise PredictionFormatError(
                f"Line {index} contains NUL bytes; save the file as plain UTF-8 CSV text."
            )
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _cells(line: str, index: int) -> list[str]:
    """One line split as CSV (quotes allowed); a quoted field never continues on the next line."""
    if '"' not in line:
        return line.split(",") if line else []  # what the csv module gives, ten times faster
    try:
        return next(csv.reader([line], strict=True), [])
    except csv.Error as exc:
        raise PredictionFormatError(f"Line {index} is not valid CSV: {exc}.") from None


def _integer(cell: str, *, index: int, name: str, what: str) -> int:
    if not _INTEGER.fullmatch(cell):
        raise PredictionFormatError(f"Line {index}, column {name}: {_shown(cell)} is not {what}.")
    return int(cell)


def _decimal(cell: str, *, index: int, name: str) -> float:
    if len(cell) > MAX_CELL_CHARS or not _DECIMAL.fullmatch(cell):
        raise PredictionFormatError(
            f"Line {index}, column {name}: {_shown(cell)} is not a number (write e.g. 12.5 or -3e-2)."
        )
    number = float(cell)
    if not abs(number) <= MAX_ABS_VALUE:  # also catches inf, from exponents such as 1e400
        raise PredictionFormatError(
            f"Line {index}, column {name}: {_shown(cell)} is too large; predictions must be between "
            f"-1e100 and 1e100."
        )
    return number


def predictions_read(
    *,
    path: Path,
    columns: Sequence[str],
    expected_ids: Iterable[int],
    integer_columns: bool = False,
    value_range: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Parse a prediction CSV strictly; return ``(ids, values)`` sorted by id.

    ``values`` is ``int64`` when ``integer_columns`` (class labels, checked against the inclusive
    ``value_range``), else finite ``float64`` within +-``MAX_ABS_VALUE``. Raises
    :class:`PredictionFormatError` (and nothing else, whatever the bytes) naming the line at fault.
    """
    expected = set(int(i) for i in expected_ids)
    header = ["id", *columns]
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PredictionFormatError(f"Cannot read the prediction file: {exc.strerror}.") from None
    if size > MAX_BYTES:
        raise PredictionFormatError(f"The file is {size} bytes; the limit is {MAX_BYTES} bytes.")
    text = _text_decode(path.read_bytes())
    max_line = max(4096, len(",".join(header)) + len(header) * (MAX_CELL_CHARS + 3))
    lines = _lines(text, max_line)
    if not lines:
        raise PredictionFormatError(
            f"The file is empty; the first line must be the header {','.join(header)}."
        )
    first = _cells(lines[0], 1)
    if [cell.strip() for cell in first] != header:
        raise PredictionFormatError(
            f"Line 1: the header is {_shown(','.join(first))}; it must be exactly {','.join(header)!r}."
        )
    seen: dict[int, int] = {}
    out_ids: list[int] = []
    out_values: list[list[float | int]] = []
    for index, line in enumerate(lines[1:], start=2):
        row = _cells(line, index)
        if len(row) != len(header):
            if not row or row == [""]:
                raise PredictionFormatError(f"Line {index} is empty; remove blank lines.")
            raise PredictionFormatError(
                f"Line {index} has {len(row)} fields; expected {len(header)} ({','.join(header)})."
            )
        sample_id = _integer(row[0].strip(), index=index, name="id", what="a whole number")
        if sample_id not in expected:
            raise PredictionFormatError(f"Line {index}: id {sample_id} is not a test id of this task.")
        if sample_id in seen:
            raise PredictionFormatError(
                f"Line {index}: id {sample_id} already appeared on line {seen[sample_id]}."
            )
        seen[sample_id] = index
        parsed: list[float | int] = []
        for name, cell in zip(columns, row[1:], strict=True):
            cell = cell.strip()
            if integer_columns:
                label = _integer(cell, index=index, name=name, what="a class index (a whole number)")
                if value_range is not None and not value_range[0] <= label <= value_range[1]:
                    raise PredictionFormatError(
                        f"Line {index}, column {name}: {label} is outside {value_range[0]}..{value_range[1]}."
                    )
                parsed.append(label)
            else:
                parsed.append(_decimal(cell, index=index, name=name))
        out_ids.append(sample_id)
        out_values.append(parsed)
    missing = expected - seen.keys()
    if missing:
        raise PredictionFormatError(
            f"{len(missing)} test ids have no prediction (ids {_short(missing)}); "
            f"the file must have one line per test id, {len(expected)} in all."
        )
    order = np.argsort(np.asarray(out_ids))
    ids_array = np.asarray(out_ids, dtype=np.int64)[order]
    values = np.asarray(out_values, dtype=np.int64 if integer_columns else np.float64).reshape(
        len(out_ids), len(columns)
    )
    return ids_array, values[order]
