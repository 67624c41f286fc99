"""Homework 3's named dates: "record the three predicted values separately" for three named issue days.

A task with ``named_dates`` lists them in ``public/named_dates_ids.csv`` (``date,id``: the issue day and the
test id whose inputs end on it). A student's hand-in then carries ``named_dates.csv``::

    date,temp_max_d1,temp_max_d7,temp_max_d30
    2015-02-16,8.1,9.0,10.2
    ...

one line per named date (any order), the task's prediction columns. The file is untrusted: it is read by
the same strict cell rules as a prediction file, at most :data:`MAX_BYTES`, and every problem is a
:class:`~reference_models.predictions.PredictionFormatError` saying what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reference_models.predictions import (
    PredictionFormatError,
    _cells,
    _decimal,
    _lines,
    _shown,
    _text_decode,
)

FILE_NAME = "named_dates.csv"
MAX_BYTES = 4096  # three lines of a date and a few numbers
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Predictions and the hand-in's values are both written by the student's code: they agree to rounding.
AGREEMENT = 0.05


@dataclass(frozen=True)
class NamedDatePrediction:
    date: str
    test_id: int
    values: tuple[float, ...]

    def as_dict(self) -> dict[str, object]:
        return {"date": self.date, "id": self.test_id, "values": list(self.values)}


def named_dates_read(
    *, path: Path, named: Mapping[str, int], columns: Sequence[str]
) -> list[NamedDatePrediction]:
    """Parse a student's ``named_dates.csv``: header ``date,<columns>``, each named date exactly once, finite
    numbers. Returns the rows in the order of ``named`` (date -> test id)."""
    header = ["date", *columns]
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PredictionFormatError(f"Cannot read {FILE_NAME}: {exc.strerror}.") from None
    if size > MAX_BYTES:
        raise PredictionFormatError(
            f"{FILE_NAME} is {size} bytes; it holds {len(named)} short lines (at most {MAX_BYTES} bytes)."
        )
    try:
        lines = _lines(_text_decode(path.read_bytes()), 512)
    except PredictionFormatError as error:
        raise PredictionFormatError(f"{FILE_NAME}: {error}") from None
    if not lines:
        raise PredictionFormatError(f"{FILE_NAME} is empty; its first line must be {','.join(header)}.")
    first = [cell.strip() for cell in _cells(lines[0], 1)]
    if first != header:
        raise PredictionFormatError(
            f"{FILE_NAME}, line 1: the header is {_shown(','.join(first))}; it must be exactly "
            f"{','.join(header)!r}."
        )
    found: dict[str, tuple[float, ...]] = {}
    for index, line in enumerate(lines[1:], start=2):
        try:
            row = [cell.strip() for cell in _cells(line, index)]
            if len(row) != len(header):
                raise PredictionFormatError(
                    f"Line {index} has {len(row)} fields; expected {len(header)} ({','.join(header)})."
                )
            if not _DATE.fullmatch(row[0]) or row[0] not in named:
                raise PredictionFormatError(
                    f"Line {index}: {_shown(row[0])} is not one of the named dates "
                    f"({', '.join(named)}; written as YYYY-MM-DD)."
                )
            if row[0] in found:
                raise PredictionFormatError(f"Line {index}: {row[0]} appears a second time.")
            found[row[0]] = tuple(
                _decimal(cell, index=index, name=name) for name, cell in zip(columns, row[1:], strict=True)
            )
        except PredictionFormatError as error:
            raise PredictionFormatError(f"{FILE_NAME}: {error}") from None
    missing = [date for date in named if date not in found]
    if missing:
        raise PredictionFormatError(
            f"{FILE_NAME} has no line for {', '.join(missing)}; it needs one line per named date."
        )
    return [NamedDatePrediction(date, named[date], found[date]) for date in named]


def named_dates_from_predictions(
    *, ids: np.ndarray, values: np.ndarray, named: Mapping[str, int]
) -> list[NamedDatePrediction]:
    """The named dates' rows of a parsed prediction file (``ids`` sorted, as the parser returns them)."""
    where = {int(i): n for n, i in enumerate(ids)}
    return [
        NamedDatePrediction(date, test_id, tuple(float(v) for v in values[where[test_id]]))
        for date, test_id in named.items()
    ]


def named_dates_disagreement(
    handed_in: Sequence[NamedDatePrediction], predicted: Sequence[NamedDatePrediction]
) -> str:
    """Where the hand-in's values differ from the prediction file's rows of the same dates by more than
    :data:`AGREEMENT` ("" when they agree)."""
    columns = {p.date: p.values for p in predicted}
    for row in handed_in:
        for own, file_value in zip(row.values, columns[row.date], strict=True):
            if abs(own - file_value) > AGREEMENT:
                return (
                    f"{FILE_NAME} gives {own:g} for {row.date}, but predictions.csv has {file_value:g} for "
                    f"the same date (test id {row.test_id}); both must come from the same model."
                )
    return ""
