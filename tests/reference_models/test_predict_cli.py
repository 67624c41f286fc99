"""Determinism, and the predict command that runs student models (state_dict or TorchScript)."""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

from reference_models import ModelLoadError, model_load, problem_get, problem_names, reference_train

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("fever")
    report = reference_train(
        task="fever-regression", out_dir=out / "a", epochs=40, progress=False, device="cpu"
    )
    return out, report


def test_same_seed_same_predictions_on_cpu(trained):
    out, report = trained
    again = reference_train(
        task="fever-regression", out_dir=out / "b", epochs=40, progress=False, device="cpu"
    )
    assert (out / "a" / "predictions.csv").read_bytes() == (out / "b" / "predictions.csv").read_bytes()
    assert (out / "a" / "data" / "public" / "train.npz").read_bytes() == (
        out / "b" / "data" / "public" / "train.npz"
    ).read_bytes()
    assert report["value"] == again["value"]
    assert report["value"] < report["baselines"]["no_change"]["value"]


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "reference_models", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_predict_accepts_state_dict_and_torchscript(trained, tmp_path):
    out, _ = trained
    public = out / "a" / "data" / "public"
    result = _cli(
        "predict",
        "fever-regression",
        "--model",
        str(out / "a" / "model.pt"),
        "--data",
        str(public),
        "--out",
        str(tmp_path / "p1.csv"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p1.csv").read_bytes() == (out / "a" / "predictions.csv").read_bytes()

    model, variant = model_load("fever-regression", out / "a" / "model.pt")
    assert variant == "mlp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated, still supported
        torch.jit.script(model).save(str(tmp_path / "model.ts"))
    result = _cli(
        "predict",
        "fever-regression",
        "--model",
        str(tmp_path / "model.ts"),
        "--data",
        str(public),
        "--out",
        str(tmp_path / "p2.csv"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p2.csv").read_bytes() == (out / "a" / "predictions.csv").read_bytes()

    score = _cli(
        "score",
        "fever-regression",
        "--predictions",
        str(tmp_path / "p2.csv"),
        "--hidden",
        str(out / "a" / "data" / "hidden"),
    )
    assert json.loads(score.stdout)["metric"] == "mae"


def test_wrong_state_dict_and_pickles_are_refused(tmp_path):
    torch.save(problem_get("digits-cnn").model_build("lenet5").state_dict(), tmp_path / "digits.pt")
    with pytest.raises(ModelLoadError, match="fits no variant"):
        model_load("fever-regression", tmp_path / "digits.pt")

    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    torch.save({"x": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(ModelLoadError):
        model_load("fever-regression", tmp_path / "evil.pt")


def test_list_names_every_task():
    listed = _cli("list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [t["name"] for t in json.loads(listed.stdout)] == problem_names()
    table = _cli("list")
    assert [line.split()[0] for line in table.stdout.splitlines()] == problem_names()


def test_train_shows_progress_on_stderr_and_prints_json_metrics(tmp_path):
    out = tmp_path / "model"
    result = _cli("train", "fever-classification", "--device", "cpu", "--epochs", "7", "--out", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # stdout is exactly one JSON object
    assert report["task"] == "fever-classification" and report["epochs"] == 7
    assert report["device"] == "cpu" and report["metric"] == "accuracy"
    assert 0.5 < report["value"] <= 1.0 and report["wall_seconds"] > 0
    assert "fever-classification mlp:" in result.stderr and "/7 [" in result.stderr  # the tqdm bar
    assert (out / "model.pt").exists() and json.loads((out / "model.json").read_text()) == report
    rows = _cli(
        "validate",
        "fever-classification",
        "--predictions",
        str(out / "predictions.csv"),
        "--data",
        str(out / "data" / "public"),
    )
    assert json.loads(rows.stdout) == {"task": "fever-classification", "valid": True, "rows": 200}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "at least 1"),
        (["--variant", "resnet"], "has variants mlp"),
        (["--weights", "x.pt"], "texture-transfer only"),
    ],
)
def test_train_refuses_bad_arguments_before_doing_anything(tmp_path, args, message):
    result = _cli("train", "fever-classification", "--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_cuda_without_a_gpu_is_a_clear_error(tmp_path):
    result = _cli(
        "train",
        "fever-classification",
        "--device",
        "cuda",
        "--out",
        str(tmp_path / "out"),
        env={"CUDA_VISIBLE_DEVICES": ""},  # no GPU, also on a machine that has one
    )
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"] == "DeviceUnavailableError"
    assert "no CUDA device" in json.loads(result.stdout)["message"]
    assert not (tmp_path / "out").exists()


def test_pretrain_writes_a_headless_backbone_that_train_fine_tunes(tmp_path):
    backbone = tmp_path / "backbone.pt"
    result = _cli("pretrain", "--epochs", "1", "--patches", "60", "--out", str(backbone), "--no-progress")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["backbone"] == str(backbone) and facts["width"] == 16 and facts["epochs"] == 1
    assert facts["source_patches"] == 60 * 15
    assert 0.0 <= facts["source_val_accuracy"] <= 1.0
    state = torch.load(backbone, weights_only=True)
    assert "layer4.1.conv2.weight" in state and not any(k.startswith("fc.") for k in state)

    report = reference_train(
        task="texture-transfer",
        out_dir=tmp_path / "tuned",
        epochs=1,
        progress=False,
        options={"backbone": backbone, "scratch": False},
    )
    assert report["backbone"] == str(backbone) and "pretraining" not in report  # used, not redone
    tuned = torch.load(tmp_path / "tuned" / "model.pt", weights_only=True)
    assert torch.equal(tuned["layer1.0.conv1.weight"], state["layer1.0.conv1.weight"])


def test_the_sandbox_predict_path_imports_no_data_libraries():
    """Building data needs scikit-learn, pandas and scikit-image; running a model must not pay for
    importing them (the sandbox starts a fresh interpreter per submission)."""
    probe = (
        "import sys, reference_models.__main__; "
        "print(sorted(m for m in ('sklearn', 'pandas', 'skimage', 'vega_datasets') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
