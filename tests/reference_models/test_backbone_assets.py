"""texture-transfer's assets: the backbone students get, as TorchScript and as state_dict + backbone.py."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from reference_models.api import problem_assets_export
from reference_models.problems import texture_backbone
from reference_models.problems.texture_transfer import ResNet18, backbone_assets_export, backbone_state


def _backbone_file(tmp_path):
    torch.manual_seed(1)
    reference = ResNet18(2, 16)
    for module in reference.modules():  # batch-norm statistics that are not the identity
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    path = tmp_path / "backbone.pt"
    torch.save(backbone_state(reference.state_dict()), path)
    return reference, path


def test_both_forms_give_the_reference_networks_features_with_the_described_preprocessing(tmp_path):
    reference, path = _backbone_file(tmp_path)
    out = tmp_path / "assets"
    out.mkdir()
    described = dict(backbone_assets_export(backbone_path=path, out_dir=out))
    assert sorted(described) == ["backbone.py", "backbone_state_dict.pt", "backbone_torchscript.pt"]
    assert "(0.485, 0.456, 0.406)" in described["backbone_torchscript.pt"]
    assert "layer3" in described["backbone_torchscript.pt"]
    x = torch.from_numpy(np.random.default_rng(2).integers(0, 256, (5, 1, 32, 32), dtype=np.uint8))
    reference.fc = torch.nn.Identity()
    reference.eval()
    scripted = torch.jit.load(str(out / "backbone_torchscript.pt")).eval()
    plain = texture_backbone.resnet18_pretrained(str(out / "backbone_state_dict.pt")).eval()
    with torch.no_grad():
        expected = reference(x.float() / 255.0)
        assert torch.allclose(scripted(texture_backbone.preprocess(x)), expected, atol=1e-5)
        assert torch.allclose(plain(texture_backbone.preprocess(x)), expected, atol=1e-5)
    head = texture_backbone.resnet18_pretrained(str(out / "backbone_state_dict.pt"), num_classes=2)
    assert head.fc.out_features == 2 and scripted.layer3 is not None


def test_backbone_py_runs_with_torch_alone_outside_the_package(tmp_path):
    source = tmp_path / "backbone.py"
    source.write_text(Path(texture_backbone.__file__).read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert imported <= {"torch", "__future__"}
    check = (
        "import sys; sys.path.insert(0, '.'); import torch, backbone; "
        "x = torch.zeros(1, 1, 32, 32, dtype=torch.uint8); "
        "print(backbone.ResNet18(2).eval()(backbone.preprocess(x)).shape)"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", check], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.stdout.strip() == "torch.Size([1, 2])", result.stderr


def test_tasks_without_assets_write_nothing(tmp_path):
    assert problem_assets_export("digits-cnn", tmp_path / "none") == []
    assert not any((tmp_path / "none").iterdir())
