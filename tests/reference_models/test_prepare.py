"""Splits are deterministic, preparing is idempotent, and public/ never holds the test labels."""

import json
import time

import numpy as np
import pytest

from reference_models import problem_get, problem_names, problem_prepare
from reference_models.problem import npz_read

EXPECTED = {
    "digits-cnn",
    "weather-forecast",
    "nyc-temperature-lstm",
    "temperature-lstm",
    "texture-transfer",
    "fever-regression",
    "fever-classification",
}


def test_task_names_are_stable():
    assert set(problem_names()) == EXPECTED
    for name in problem_names():
        task = problem_get(name)
        assert task.name == name and task.columns and task.metric in {"accuracy", "mae"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_prepare_is_deterministic_idempotent_fast_and_leaks_no_labels(name, tmp_path):
    started = time.perf_counter()
    problem_prepare(name, tmp_path / "a")
    assert time.perf_counter() - started < 20
    problem_prepare(name, tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert {str(p) for p in files} == {
        "public/manifest.json",
        "public/README.txt",
        "public/train.npz",
        "public/val.npz",
        "public/test.npz",
        "public/sample_submission.csv",
        "hidden/test_labels.csv",
        *(["public/named_dates_ids.csv"] if problem_get(name).named_dates else []),
    }
    for path in files:
        assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes(), path
    stamps = {p: (tmp_path / "a" / p).stat().st_mtime_ns for p in files}
    problem_prepare(name, tmp_path / "a")  # again: nothing rewritten
    assert stamps == {p: (tmp_path / "a" / p).stat().st_mtime_ns for p in files}

    public, hidden = tmp_path / "a" / "public", tmp_path / "a" / "hidden"
    manifest = json.loads((public / "manifest.json").read_text())
    task = problem_get(name)
    assert manifest["task"] == name and manifest["metric"] == task.metric
    assert manifest["higher_is_better"] == task.higher_is_better
    assert manifest["prediction_format"]["header"] == ["id", *task.columns]
    test = npz_read(public / "test.npz")
    assert set(test) == {"id", "x"}
    assert list(test["id"]) == list(range(manifest["n_test"]))
    assert set(npz_read(public / "train.npz")) == {"x", "y"}
    hidden_text = (hidden / "test_labels.csv").read_bytes()
    labels = np.loadtxt(hidden / "test_labels.csv", delimiter=",", skiprows=1, ndmin=2)[:, 1:]
    body = b"\n".join(hidden_text.splitlines()[1:])
    for path in public.iterdir():
        assert body not in path.read_bytes(), path
        if path.suffix == ".npz":
            for array in npz_read(path).values():
                if (
                    array.shape[:1] == labels.shape[:1]
                    and array.reshape(len(array), -1).shape == labels.shape
                ):
                    assert not np.allclose(array.reshape(labels.shape), labels), path
    if task.is_classification:
        # the test labels are not the sample submission's constant either
        assert len(np.unique(labels)) > 1
