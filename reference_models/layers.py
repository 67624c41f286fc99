"""Small modules shared by the reference models: input scaling kept in the state_dict."""

import torch
from torch import nn


class MinMaxScale(nn.Module):
    """x' = (x - min) / (max - min), per feature, with min and max from the training data (the
    first lecture's slide). The buffers travel in the state_dict, so raw inputs go in."""

    low: torch.Tensor
    high: torch.Tensor

    def __init__(self, features: int) -> None:
        super().__init__()
        self.register_buffer("low", torch.zeros(features))
        self.register_buffer("high", torch.ones(features))

    def fit(self, x: torch.Tensor) -> None:
        self.low.copy_(x.amin(dim=0))
        self.high.copy_(x.amax(dim=0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.low) / (self.high - self.low).clamp_min(1e-6)


class Standardize(nn.Module):
    """x' = (x - mean) / std over the last dimension's features, statistics from training data."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, features: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(features))
        self.register_buffer("std", torch.ones(features))

    def fit(self, x: torch.Tensor) -> None:
        flat = x.reshape(-1, x.shape[-1])
        self.mean.copy_(flat.mean(dim=0))
        self.std.copy_(flat.std(dim=0).clamp_min(1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std
