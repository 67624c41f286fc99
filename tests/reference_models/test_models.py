"""Architectures a student's file must fit: TorchScript export, the torchvision ResNet-18 layout,
the in-model scalers, and data that comes from installed packages only (no network)."""

import json
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from skimage.feature import match_template

from reference_models import model_build, problem_get, problem_names, reference_train
from reference_models.problems.texture_transfer import (
    BANDS,
    FROZEN,
    PATCH,
    SOURCE_IMAGES,
    TARGET_IMAGES,
    BackboneWeightsError,
    ResNet18,
    backbone_weights_load,
    gray_image,
)
from reference_models.training import tensor_inputs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def splits():
    return {name: problem_get(name).split_build() for name in problem_names()}


@pytest.mark.parametrize(
    ("name", "variant"), [(n, v) for n in problem_names() for v in problem_get(n).variants]
)
def test_every_variant_exports_to_torchscript_with_the_same_outputs(splits, name, variant):
    torch.manual_seed(0)
    model = model_build(name, variant).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.script(model)
    x = tensor_inputs(splits[name].x_test[:5])
    with torch.no_grad():
        expected = model(x)
        assert torch.allclose(scripted(x), expected, atol=1e-6)
    task = problem_get(name)
    width = len(task.classes) if task.classes else len(task.columns)
    assert expected.shape == (5, width)


def test_resnet18_has_torchvisions_layout():
    """torchvision's resnet18(): 11,689,512 parameters in 122 state_dict entries (with the 1000-class
    head), downsample shortcuts only where the stride or width changes."""
    model = ResNet18(1000, width=64)
    state = model.state_dict()
    assert sum(p.numel() for p in model.parameters()) == 11_689_512
    assert len(state) == 122
    assert state["conv1.weight"].shape == (64, 3, 7, 7)
    assert state["layer2.0.downsample.0.weight"].shape == (128, 64, 1, 1)
    assert state["layer4.1.bn2.running_var"].shape == (512,)
    assert state["fc.weight"].shape == (1000, 512)
    assert not any(k.startswith("layer1.0.downsample") for k in state)
    assert model(torch.rand(2, 1, 32, 32)).shape == (2, 1000)  # gray input is repeated to RGB


def test_weights_option_loads_a_torchvision_style_state_dict(tmp_path):
    """A randomly initialised ResNet-18 with torchvision's names and 1000-class head stands in for
    the real ImageNet file: it loads, its head is replaced, and the frozen blocks keep its values."""
    torch.manual_seed(7)
    imagenet_like = ResNet18(1000, width=64).state_dict()
    weights = tmp_path / "resnet18-f37072fd.pth"
    torch.save(imagenet_like, weights)
    backbone, width = backbone_weights_load(weights)
    assert width == 64 and not any(k.startswith("fc.") for k in backbone)

    report = reference_train(
        task="texture-transfer",
        out_dir=tmp_path / "tuned",
        epochs=1,
        progress=False,
        options={"weights": weights, "scratch": False},
    )
    assert report["variant"] == "resnet18" and report["backbone"] == str(weights)
    assert "from_scratch" not in report["baselines"]
    assert report["moved_in_stage1"] == ["fc"]
    assert report["moved_in_stage2"] == ["fc", "layer3", "layer4"]
    tuned = torch.load(tmp_path / "tuned" / "model.pt", weights_only=True)
    assert tuned["fc.weight"].shape == (len(TARGET_IMAGES), 512)
    for key, value in imagenet_like.items():
        if key.split(".")[0] in FROZEN:
            assert torch.equal(tuned[key], value), key
    assert not torch.equal(tuned["layer4.1.conv2.weight"], imagenet_like["layer4.1.conv2.weight"])


def test_wrong_weights_are_refused_with_the_keys_that_do_not_fit(tmp_path):
    torch.save(model_build("digits-cnn", "lenet5").state_dict(), tmp_path / "lenet.pt")
    with pytest.raises(BackboneWeightsError, match="no conv1.weight"):
        backbone_weights_load(tmp_path / "lenet.pt")
    state = ResNet18(1000).state_dict()
    del state["layer3.0.conv1.weight"]
    state["extra.weight"] = torch.zeros(1)
    torch.save({"state_dict": state}, tmp_path / "broken.pt")
    with pytest.raises(BackboneWeightsError, match=r"missing \['layer3.0.conv1.weight'\].*extra.weight"):
        backbone_weights_load(tmp_path / "broken.pt")
    with pytest.raises(BackboneWeightsError, match="no such file"):
        backbone_weights_load(tmp_path / "absent.pt")

    result = subprocess.run(
        [sys.executable, "-m", "reference_models", "train", "texture-transfer", "--epochs", "1"]
        + ["--weights", str(tmp_path / "broken.pt"), "--out", str(tmp_path / "out"), "--no-progress"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert json.loads(result.stdout)["error"] == "BackboneWeightsError"
    assert not (tmp_path / "out").exists()


def test_fever_net_min_max_scales_with_the_training_range(tmp_path):
    report = reference_train(task="fever-regression", out_dir=tmp_path, epochs=2, progress=False)
    state = torch.load(report["model"], weights_only=True)
    train = np.load(tmp_path / "data" / "public" / "train.npz")["x"]
    assert torch.allclose(state["scale.low"], torch.from_numpy(train.min(axis=0)))
    assert torch.allclose(state["scale.high"], torch.from_numpy(train.max(axis=0)))
    model = model_build("fever-regression")
    model.load_state_dict(state)
    scaled = model.scale(torch.from_numpy(train))
    assert float(scaled.min()) == 0.0 and float(scaled.max()) == 1.0


def test_all_data_comes_from_installed_packages(monkeypatch):
    """No download at any time: every split and source picture builds with the network cut off."""

    def refuse(*args, **kwargs):
        raise AssertionError("reference_models tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for name in problem_names():
        split = problem_get(name).split_build()
        assert len(split.x_test) == len(split.y_test) > 0
    for name in (*SOURCE_IMAGES, *TARGET_IMAGES):
        image = gray_image(name)
        assert image.dtype == np.uint8 and min(image.shape) >= 128, name


def test_texture_splits_come_from_disjoint_rows_of_real_images():
    split = problem_get("texture-transfer").split_build()
    assert split.x_train.shape == (800, 1, 32, 32) and split.x_val.shape == (200, 1, 32, 32)
    assert split.x_test.shape == (200, 1, 32, 32)
    for y in (split.y_train, split.y_val, split.y_test):
        assert np.bincount(y).tolist() == [len(y) // 2] * 2  # 400/100/100 per category
    # Find patches in the real pictures (normalised cross-correlation): each lies in its split's rows.
    parts = {
        "train": (split.x_train, split.y_train),
        "val": (split.x_val, split.y_val),
        "test": (split.x_test, split.y_test),
    }
    for label, name in enumerate(TARGET_IMAGES):
        picture = gray_image(name).astype(np.float64)
        for part, (x, y) in parts.items():
            top, bottom = BANDS[part]
            for patch in x[y == label][:3, 0]:
                match = match_template(picture, patch.astype(np.float64))
                row, _ = np.unravel_index(match.argmax(), match.shape)
                assert match.max() > 0.98, (name, part)
                assert top <= row and row + PATCH <= bottom, (name, part, row)
