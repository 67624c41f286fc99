"""The first lecture's feed-forward net: [fever in degrees C, medicine in mg] -> fever in 2 hours.

Two tasks share one generated data set (there is no real one): ``fever-regression`` predicts the
temperature two hours later, ``fever-classification`` whether it will be normal, elevated or fever.
Inputs are min-max scaled as on the slide; the scaler is part of the model (its state_dict).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from reference_models.layers import MinMaxScale
from reference_models.problem import Problem, PublicData, Split
from reference_models.training import tensor_inputs

N_TRAIN, N_VAL, N_TEST = 600, 200, 200
ELEVATED_FROM, FEVER_FROM = 37.0, 38.0


def fever_samples(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` = (temperature now, medicine mg), ``t2h`` = temperature two hours later (generated).

    A fever drifts up a little untreated; the medicine lowers it in proportion to the dose, and
    lowers a normal temperature hardly at all. The tasks pass a keyed ``rng``: with a seed in the
    repository anyone could rerun the generator and read off the test labels."""
    now = np.round(rng.uniform(36.0, 41.0, n), 1)
    mg = np.round(rng.uniform(0.0, 1000.0, n) / 50.0) * 50.0
    effect = (mg / 1000.0) * 1.6 * np.clip((now - 36.8) / 2.0, 0.0, 1.0)
    later = now + 0.1 * (now - 37.0) - effect + rng.normal(0.0, 0.15, n)
    later = np.clip(later, 35.5, 42.0)
    return np.stack([now, mg], axis=1).astype(np.float32), later.astype(np.float32)


def fever_class(temperature: np.ndarray) -> np.ndarray:
    """0 normal (< 37.0), 1 elevated (37.0 to 38.0), 2 fever (>= 38.0)."""
    return np.digitize(temperature, [ELEVATED_FROM, FEVER_FROM]).astype(np.int64)


class FeverNet(nn.Module):
    """Min-max scaling, then two small hidden layers. With ``residual`` the net predicts the change
    and the current temperature is added (regression)."""

    def __init__(self, outputs: int, hidden: int = 16, residual: bool = False) -> None:
        super().__init__()
        self.residual = residual
        self.scale = MinMaxScale(2)
        self.net = nn.Sequential(
            nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, outputs)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(self.scale(x))
        return out + x[:, :1] if self.residual else out


class _FeverProblem(Problem):
    variants = ("mlp",)
    default_epochs = 200
    inputs = "x: float32, shape (N, 2): temperature now in degrees C, medicine taken in mg"
    data_source = (
        "generated (the lecture's toy example, no real data set exists): temperature 36-41 C, dose "
        "0-1000 mg; 600/200/200 samples drawn with this course's secret seed"
    )
    lr = 1e-2
    batch_size = 32

    def split_build(self) -> Split:
        x, later = fever_samples(self.keyed_rng("samples"), N_TRAIN + N_VAL + N_TEST)
        y = self.targets(later)
        a, b = N_TRAIN, N_TRAIN + N_VAL
        return Split(x[:a], y[:a], x[a:b], y[a:b], x[b:], y[b:])

    def targets(self, later: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def scalers_fit(self, model: nn.Module, data: PublicData) -> None:
        assert isinstance(model, FeverNet)
        model.scale.fit(tensor_inputs(data.x_train))


class FeverRegressionProblem(_FeverProblem):
    name = "fever-regression"
    title = "Intro feed-forward net: fever in 2 hours (regression)"
    metric = "mae"
    higher_is_better = False
    columns = ("temp_2h",)

    def targets(self, later: np.ndarray) -> np.ndarray:
        return later[:, None]

    def model_build(self, variant: str | None = None) -> nn.Module:
        self.variant_check(variant)
        return FeverNet(1, residual=True)

    def baselines(self, data: PublicData) -> dict[str, np.ndarray]:
        return {"no_change": data.x_test[:, :1].astype(np.float64)}


class FeverClassificationProblem(_FeverProblem):
    name = "fever-classification"
    title = "Intro feed-forward net: normal / elevated / fever in 2 hours (classification)"
    metric = "accuracy"
    higher_is_better = True
    columns = ("label",)
    classes = ("normal", "elevated", "fever")

    def targets(self, later: np.ndarray) -> np.ndarray:
        return fever_class(later)

    def model_build(self, variant: str | None = None) -> nn.Module:
        self.variant_check(variant)
        return FeverNet(3)

    def baselines(self, data: PublicData) -> dict[str, np.ndarray]:
        return {"no_change": fever_class(data.x_test[:, 0])}
