"""The pretrained backbone of the transfer-learning homework, as students get it (``backbone.py``).

This file is shipped verbatim to students as an assignment asset: it needs only PyTorch, never the
course's code. The network is a ResNet-18 of width 16 with torchvision's layout and parameter names,
pretrained on 32x32 grayscale patches of 15 scikit-image pictures (which picture is a patch from?).

Preprocessing (the one the backbone was pretrained with; use exactly this):

1. ``x``: uint8 patches of shape (N, 1, 32, 32) -> float32 ``x / 255`` (values in [0, 1]);
2. gray to RGB: repeat the one channel three times -> (N, 3, 32, 32), channel order R, G, B;
3. per channel ``(x - MEAN) / STD`` with ImageNet's ``MEAN = (0.485, 0.456, 0.406)`` and
   ``STD = (0.229, 0.224, 0.225)``.

``preprocess(x_uint8)`` below does the three steps.

Layers (input 32x32): ``conv1`` (7x7, stride 2, 16 channels) -> ``bn1`` -> ``relu`` -> ``maxpool``
(8x8) -> ``layer1`` (16 ch, 8x8) -> ``layer2`` (32 ch, 4x4) -> ``layer3`` (64 ch, 2x2) -> ``layer4``
(128 ch, 1x1) -> ``avgpool`` -> ``fc``. The pretrained weights have no ``fc`` (the source task's head is
dropped): put your own ``nn.Linear(128, classes)`` there.

Two ways to load it, both from ``$DLIP_ASSETS_DIR`` (``/assets`` in the grader's sandbox):

    import os, torch
    assets = os.environ.get("DLIP_ASSETS_DIR", ".")

    # 1. TorchScript: no Python class needed. Takes preprocessed (N, 3, 32, 32), returns (N, 128) features.
    features = torch.jit.load(os.path.join(assets, "backbone_torchscript.pt"))
    model = torch.nn.Sequential(features, torch.nn.Linear(128, 2))
    # its blocks are reachable by name: features.layer3.parameters(), features.layer1.eval() ...

    # 2. state_dict + this file: a plain nn.Module with an fc head of your size.
    import sys; sys.path.insert(0, assets)
    from backbone import resnet18_pretrained
    model = resnet18_pretrained(os.path.join(assets, "backbone_state_dict.pt"), num_classes=2)
"""

from __future__ import annotations

import torch
from torch import nn

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
WIDTH = 16


def preprocess(x: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 1, H, W) gray patches -> the backbone's float input (N, 3, H, W)."""
    x = x.float() / 255.0
    if x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
    mean = torch.tensor(MEAN, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std


class BasicBlock(nn.Module):
    """torchvision's ResNet basic block, with its parameter names."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample: nn.Module = nn.Identity()
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + self.downsample(x))


class ResNet18(nn.Module):
    """ResNet-18 on preprocessed input (see ``preprocess``); ``num_classes=0`` leaves ``fc`` out
    (an identity), so the network returns its ``8 * width`` features."""

    def __init__(self, num_classes: int = 0, width: int = WIDTH) -> None:
        super().__init__()
        widths = [width, width * 2, width * 4, width * 8]
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(width, widths[0]), BasicBlock(widths[0], widths[0]))
        self.layer2 = nn.Sequential(BasicBlock(widths[0], widths[1], 2), BasicBlock(widths[1], widths[1]))
        self.layer3 = nn.Sequential(BasicBlock(widths[1], widths[2], 2), BasicBlock(widths[2], widths[2]))
        self.layer4 = nn.Sequential(BasicBlock(widths[2], widths[3], 2), BasicBlock(widths[3], widths[3]))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc: nn.Module = nn.Linear(widths[3], num_classes) if num_classes else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet18_pretrained(path: str, num_classes: int = 0) -> ResNet18:
    """The network with the pretrained weights of ``path`` (``backbone_state_dict.pt``) and a new,
    randomly initialised ``fc`` head of ``num_classes`` outputs (0: no head, features out)."""
    model = ResNet18(num_classes)
    state = torch.load(path, map_location="cpu", weights_only=True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not name.startswith("fc.") for name in missing):
        raise ValueError(f"{path} does not fit: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return model
