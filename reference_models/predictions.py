"""The prediction file: a CSV with an ``id`` column and one column per output, and its strict parser.

The parser reads untrusted uploads: it only splits text and converts numbers with a regular
expression check first (no pickle, no eval, no ``float("nan")`` or ``"1_000"`` surprises). Every
problem raises :class:`PredictionFormatError` with a message a student can act on.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

MAX_BYTES = 20 * 1024 * 1024
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")


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
    ``value_range``), else finite ``float64``. Raises :class:`PredictionFormatError`.
    """
    expected = set(int(i) for i in expected_ids)
    header = ["id", *columns]
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PredictionFormatError(f"Cannot read the prediction file: {exc.strerror}.") from None
    if size > MAX_BYTES:
        raise PredictionFormatError(f"The file is {size} bytes; the limit is {MAX_BYTES} bytes.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PredictionFormatError(
            f"The file is not UTF-8 text (byte {exc.start} cannot be read)."
        ) from None
    if "\x00" in text:
        raise PredictionFormatError("The file contains NUL bytes; save it as plain UTF-8 CSV text.")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise PredictionFormatError(f"The file is not valid CSV: {exc}.") from None
    if not rows:
        raise PredictionFormatError(
            f"The file is empty; the first line must be the header {','.join(header)}."
        )
    found = [cell.strip() for cell in rows[0]]
    if found != header:
        raise PredictionFormatError(
            f"Line 1: the header is {','.join(rows[0])!r}; it must be exactly {','.join(header)!r}."
        )
    seen: dict[int, int] = {}
    out_ids: list[int] = []
    out_values: list[list[float | int]] = []
    for index, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            if not row or row == [""]:
                raise PredictionFormatError(f"Line {index} is empty; remove blank lines.")
            raise PredictionFormatError(
                f"Line {index} has {len(row)} fields; expected {len(header)} ({','.join(header)})."
            )
        id_text = row[0].strip()
        if not _INTEGER.fullmatch(id_text):
            raise PredictionFormatError(f"Line {index}, column id: {row[0]!r} is not a whole number.")
        sample_id = int(id_text)
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
                if not _INTEGER.fullmatch(cell):
                    raise PredictionFormatError(
                        f"Line {index}, column {name}: {cell!r} is not a class index (a whole number)."
                    )
                label = int(cell)
                if value_range is not None and not value_range[0] <= label <= value_range[1]:
                    raise PredictionFormatError(
                        f"Line {index}, column {name}: {label} is outside {value_range[0]}..{value_range[1]}."
                    )
                parsed.append(label)
            else:
                if not _DECIMAL.fullmatch(cell):
                    raise PredictionFormatError(
                        f"Line {index}, column {name}: {cell!r} is not a number (write e.g. 12.5 or -3e-2)."
                    )
                number = float(cell)
                if not np.isfinite(number):
                    raise PredictionFormatError(
                        f"Line {index}, column {name}: {cell!r} is not a finite number."
                    )
                parsed.append(number)
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
