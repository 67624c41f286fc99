"""Scores of prediction files against the hidden test labels, and the cheap upload-time check."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reference_models.predictions import PredictionFormatError, predictions_read
from reference_models.problem import HIDDEN_LABELS, Problem


@dataclass(frozen=True)
class Score:
    """The task's main metric over the scored ids, and per-output details (e.g. MAE per horizon)."""

    task: str
    metric: str
    value: float
    higher_is_better: bool
    n: int
    details: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "task": self.task,
            "metric": self.metric,
            "value": self.value,
            "higher_is_better": self.higher_is_better,
            "n": self.n,
            "details": self.details,
        }


def problem_file_read(
    task: Problem, path: Path, expected_ids: Iterable[int]
) -> tuple[np.ndarray, np.ndarray]:
    return predictions_read(
        path=Path(path),
        columns=task.columns,
        expected_ids=expected_ids,
        integer_columns=task.is_classification,
        value_range=(0, len(task.classes) - 1) if task.classes else None,
    )


def predictions_validate(*, task: Problem, predictions_path: Path, public_dir: Path) -> int:
    """Check the file's format against the public manifest only (ids, header, numbers); return the
    number of rows. Raises :class:`PredictionFormatError`."""
    manifest = json.loads((Path(public_dir) / "manifest.json").read_text())
    if manifest.get("task") != task.name:
        raise ValueError(f"{public_dir} holds task {manifest.get('task')!r}, not {task.name!r}")
    ids, _ = problem_file_read(task, Path(predictions_path), range(int(manifest["n_test"])))
    return len(ids)


def values_score(task: Problem, predicted: np.ndarray, truth: np.ndarray) -> Score:
    """Score aligned arrays (rows in the same id order)."""
    details: dict[str, float] = {}
    if task.is_classification:
        p, t = predicted.reshape(-1), truth.reshape(-1)
        value = float(np.mean(p == t))
        for index, name in enumerate(task.classes or ()):
            mask = t == index
            if mask.any():
                details[f"recall_{name}"] = float(np.mean(p[mask] == index))
    else:
        error = predicted.astype(np.float64) - truth.astype(np.float64)
        value = float(np.mean(np.abs(error)))
        for index, column in enumerate(task.columns):
            details[f"mae_{column}"] = float(np.mean(np.abs(error[:, index])))
        details["rmse"] = float(np.sqrt(np.mean(error**2)))
    return Score(
        task=task.name,
        metric=task.metric,
        value=value,
        higher_is_better=task.higher_is_better,
        n=int(len(truth)),
        details=details,
    )


def score_predictions(
    *, task: Problem, predictions_path: Path, hidden_dir: Path, ids: set[int] | None = None
) -> Score:
    """Score a prediction file. The file must be complete and valid for all test ids (else
    :class:`PredictionFormatError`); ``ids`` restricts the score to a subset (public/private
    leaderboard parts). An id in ``ids`` that is no test id raises ``ValueError``."""
    truth_ids, truth = problem_file_read(
        task, Path(hidden_dir) / HIDDEN_LABELS, _all_ids(Path(hidden_dir) / HIDDEN_LABELS)
    )
    predicted_ids, predicted = problem_file_read(task, Path(predictions_path), truth_ids.tolist())
    assert np.array_equal(predicted_ids, truth_ids)
    if ids is not None:
        wanted = {int(i) for i in ids}
        unknown = wanted - set(truth_ids.tolist())
        if unknown:
            raise ValueError(f"ids not in the test set: {sorted(unknown)[:5]}")
        if not wanted:
            raise ValueError("ids is empty: nothing to score")
        mask = np.isin(truth_ids, np.fromiter(wanted, dtype=np.int64))
        predicted, truth = predicted[mask], truth[mask]
    return values_score(task, predicted, truth)


def _all_ids(labels_path: Path) -> list[int]:
    """The ids in a trusted hidden labels file (the first field of each line after the header)."""
    lines = labels_path.read_text(encoding="utf-8").splitlines()[1:]
    return [int(line.split(",", 1)[0]) for line in lines if line]


__all__ = ["PredictionFormatError", "Score", "predictions_validate", "score_predictions", "values_score"]
