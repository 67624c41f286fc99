"""The prediction CSV parser is strict and the scorer scores exactly the hidden labels."""

from pathlib import Path

import numpy as np
import pytest

from reference_models import (
    PredictionFormatError,
    predictions_validate,
    problem_get,
    problem_prepare,
    score_predictions,
)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    out = tmp_path_factory.mktemp("fever")
    problem_prepare("fever-classification", out)
    problem_prepare("fever-regression", out / "regression")
    return out


def _truth_lines(prepared: Path, name: str = "fever-classification") -> list[str]:
    base = prepared if name == "fever-classification" else prepared / "regression"
    return (base / "hidden" / "test_labels.csv").read_text().splitlines()


def _write(tmp_path: Path, lines) -> Path:
    path = tmp_path / "predictions.csv"
    if isinstance(lines, bytes):
        path.write_bytes(lines)
    else:
        path.write_text("\n".join(lines) + "\n")
    return path


def test_perfect_predictions_score_one_and_subset_scores_only_those_ids(prepared, tmp_path):
    task = problem_get("fever-classification")
    lines = _truth_lines(prepared)
    path = _write(tmp_path, [lines[0], *reversed(lines[1:])])  # any order is fine
    score = score_predictions(task=task, predictions_path=path, hidden_dir=prepared / "hidden")
    assert score.value == 1.0 and score.n == 200 and score.higher_is_better
    wrong = [lines[0]] + [f"{line.split(',')[0]},{(int(line.split(',')[1]) + 1) % 3}" for line in lines[1:]]
    wrong[1] = lines[1]  # only id of line 2 right
    path = _write(tmp_path, wrong)
    right_id = int(lines[1].split(",")[0])
    subset = score_predictions(
        task=task, predictions_path=path, hidden_dir=prepared / "hidden", ids={right_id}
    )
    assert subset.value == 1.0 and subset.n == 1
    assert score_predictions(task=task, predictions_path=path, hidden_dir=prepared / "hidden").value < 0.01
    with pytest.raises(ValueError):
        score_predictions(task=task, predictions_path=path, hidden_dir=prepared / "hidden", ids={10_000})


def test_regression_details_per_output(prepared, tmp_path):
    task = problem_get("fever-regression")
    lines = _truth_lines(prepared, "fever-regression")
    shifted = [lines[0]] + [f"{line.split(',')[0]},{float(line.split(',')[1]) + 0.5}" for line in lines[1:]]
    score = score_predictions(
        task=task, predictions_path=_write(tmp_path, shifted), hidden_dir=prepared / "regression" / "hidden"
    )
    assert score.value == pytest.approx(0.5, abs=1e-6)
    assert score.details["mae_temp_2h"] == pytest.approx(0.5, abs=1e-6)
    assert score.details["rmse"] == pytest.approx(0.5, abs=1e-6)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda ls: ["ID,label", *ls[1:]], "Line 1: the header"),
        (lambda ls: ["id,label,extra", *ls[1:]], "Line 1: the header"),
        (lambda ls: ls[:-1], "1 test ids have no prediction"),
        (lambda ls: [*ls, ls[1]], "already appeared on line 2"),
        (lambda ls: [*ls[:-1], "9999,1"], "id 9999 is not a test id"),
        (lambda ls: [ls[0], "abc,1", *ls[2:]], "Line 2, column id"),
        (lambda ls: [ls[0], ls[1].split(",")[0] + ",one", *ls[2:]], "Line 2, column label"),
        (lambda ls: [ls[0], ls[1].split(",")[0] + ",1.0", *ls[2:]], "not a class index"),
        (lambda ls: [ls[0], ls[1].split(",")[0] + ",3", *ls[2:]], "outside 0..2"),
        (lambda ls: [ls[0], ls[1] + ",0", *ls[2:]], "Line 2 has 3 fields"),
        (lambda ls: [ls[0], "", *ls[1:]], "Line 2 is empty"),
        (lambda ls: b"", "The file is empty"),
    ],
)
def test_bad_classification_files_raise_one_error_type(prepared, tmp_path, mutate, message):
    task = problem_get("fever-classification")
    path = _write(tmp_path, mutate(_truth_lines(prepared)))
    with pytest.raises(PredictionFormatError, match=message):
        score_predictions(task=task, predictions_path=path, hidden_dir=prepared / "hidden")
    with pytest.raises(PredictionFormatError, match=message):
        predictions_validate(task=task, predictions_path=path, public_dir=prepared / "public")


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-Infinity", "1e999", "1_000", "0x10", "", "37,5", "__import__('os')"]
)
def test_bad_numbers_are_refused(prepared, tmp_path, value):
    task = problem_get("fever-regression")
    lines = _truth_lines(prepared, "fever-regression")
    lines[3] = f'{lines[3].split(",")[0]},"{value}"' if "," in value else f"{lines[3].split(',')[0]},{value}"
    with pytest.raises(PredictionFormatError, match="Line 4, column temp_2h"):
        predictions_validate(
            task=task, predictions_path=_write(tmp_path, lines), public_dir=prepared / "regression" / "public"
        )


def test_binary_garbage_and_pickles_are_refused(prepared, tmp_path):
    task = problem_get("fever-regression")
    import pickle

    for content in (b"\xff\xfe\x00garbage", pickle.dumps({"id": [1]})):
        with pytest.raises(PredictionFormatError):
            predictions_validate(
                task=task,
                predictions_path=_write(tmp_path, content),
                public_dir=prepared / "regression" / "public",
            )


def test_sample_submission_is_valid(prepared):
    task = problem_get("fever-classification")
    rows = predictions_validate(
        task=task,
        predictions_path=prepared / "public" / "sample_submission.csv",
        public_dir=prepared / "public",
    )
    assert rows == 200
    assert np.isfinite(
        score_predictions(
            task=task,
            predictions_path=prepared / "public" / "sample_submission.csv",
            hidden_dir=prepared / "hidden",
        ).value
    )
