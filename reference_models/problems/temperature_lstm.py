"""LSTM sequence model: Seattle's hourly temperature, the past 72 hours -> the next 24 hours. RETIRED.

seattle-temps is a smooth climatological curve, not weather: repeating the last 24 hours scored 9.66 of
10 points and a real LSTM 9.34. New assignments use :mod:`reference_models.problems.nyc_temperature`
(observed hourly weather); this task stays, unchanged, for the assignments already made on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from reference_models.layers import Standardize
from reference_models.problem import Problem, PublicData, Split
from reference_models.training import tensor_inputs

if TYPE_CHECKING:  # pandas is imported where data is built: predicting in the sandbox never needs it
    import pandas as pd

PAST_HOURS, FUTURE_HOURS = 72, 24
TRAIN_STRIDE, EVAL_STRIDE = 6, 6
BLOCK_HOURS, VAL_TEST_BLOCKS = 8 * 24, 7


def temperature_hourly() -> pd.DataFrame:
    """Seattle hourly temperature 2010 in degrees C (the package gives F), on a complete hourly grid
    (the one missing hour is interpolated)."""
    import pandas as pd
    from vega_datasets import local_data

    frame = local_data("seattle-temps")
    series = frame.set_index(pd.to_datetime(frame["date"]))["temp"].sort_index()
    series = series[~series.index.duplicated()]
    grid = pd.date_range(series.index[0], series.index[-1], freq="h")
    series = series.reindex(grid).interpolate()
    celsius = (series - 32.0) * 5.0 / 9.0
    return pd.DataFrame({"date": grid, "temp": celsius.to_numpy(dtype=np.float32)})


def _windows(frame: pd.DataFrame, blocks: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows lying wholly inside one of the given blocks (so no window's inputs or targets reach
    into another part of the split)."""
    temp = frame["temp"].to_numpy(dtype=np.float32)
    angle = 2 * np.pi * frame["date"].dt.hour.to_numpy() / 24.0
    features = np.stack([temp, np.sin(angle), np.cos(angle)], axis=1).astype(np.float32)
    xs, ys = [], []
    for block in blocks:
        first, end = block * BLOCK_HOURS, min((block + 1) * BLOCK_HOURS, len(temp))
        for start in range(first, end - PAST_HOURS - FUTURE_HOURS + 1, stride):
            xs.append(features[start : start + PAST_HOURS])
            ys.append(temp[start + PAST_HOURS : start + PAST_HOURS + FUTURE_HOURS])
    return np.stack(xs), np.stack(ys).astype(np.float32)


def blocks_split(hours: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The year in 8-day blocks, drawn at random (fixed seed) into train, validation and test."""
    count = hours // BLOCK_HOURS
    order = np.random.default_rng(seed).permutation(count)
    test, val, train = (
        order[:VAL_TEST_BLOCKS],
        order[VAL_TEST_BLOCKS : 2 * VAL_TEST_BLOCKS],
        order[2 * VAL_TEST_BLOCKS :],
    )
    return np.sort(train), np.sort(val), np.sort(test)


class TemperatureLSTM(nn.Module):
    """Per hour of the last 48: temperature, its change since the same hour a day earlier, sin and
    cos of the hour, standardised -> LSTM -> the last step's state -> 24 corrections added to the
    last 24 observed hours (the same hours yesterday). ``bidirectional`` reads the window both ways."""

    def __init__(self, hidden: int = 64, layers: int = 2, bidirectional: bool = False) -> None:
        super().__init__()
        self.future = FUTURE_HOURS  # attributes, not globals: TorchScript keeps them as constants
        self.bidirectional = bidirectional
        self.hidden = hidden
        self.scale = Standardize(4)
        self.lstm = nn.LSTM(4, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), FUTURE_HOURS)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The head starts at zero: the untrained model is daily persistence."""
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        day = self.future
        change = x[:, day:, :1] - x[:, :-day, :1]
        return torch.cat([x[:, day:, :1], change, x[:, day:, 1:]], dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sequence, _ = self.lstm(self.scale(self.features(x)))
        if self.bidirectional:
            hidden = self.hidden
            state = torch.cat([sequence[:, -1, :hidden], sequence[:, 0, hidden:]], dim=1)
        else:
            state = sequence[:, -1]
        return x[:, -self.future :, 0] + self.head(state)


class TemperatureLSTMProblem(Problem):
    name = "temperature-lstm"
    title = "LSTM sequence model: Seattle hourly temperature, next 24 hours from the past 72"
    metric = "mae"
    higher_is_better = False
    columns = tuple(f"h{h:02d}" for h in range(1, FUTURE_HOURS + 1))
    variants = ("stacked", "bidirectional")
    default_epochs = 20
    inputs = (
        f"x: float32, shape (N, {PAST_HOURS}, 3): the past {PAST_HOURS} hours, oldest first; per hour the "
        "temperature in C, sin and cos of the hour of the day. y: the next 24 hourly temperatures (C)"
    )
    data_source = (
        "real: vega_datasets seattle-temps (hourly, 2010; F converted to C; a smooth series: the "
        "same hour a day later differs by about 0.1 C on average). The year is cut into 8-day blocks "
        "drawn at random with the fixed seed: 7 blocks test, 7 validation, the rest training; every "
        "window lies inside one block and starts every 6 h"
    )
    lr = 1e-3
    batch_size = 64
    retired = (
        "seattle-temps is a smooth climatological curve (copying yesterday scored 9.66 of 10 points): use "
        "nyc-temperature-lstm, observed hourly weather"
    )
    practice_only = (
        "the hourly series ships with vega_datasets in the grader's environment: matching the past 72 "
        "hours against it reads off the next 24"
    )

    def split_build(self) -> Split:
        frame = temperature_hourly()
        train, val, test = blocks_split(len(frame), self.seed)
        x_train, y_train = _windows(frame, train, TRAIN_STRIDE)
        x_val, y_val = _windows(frame, val, EVAL_STRIDE)
        x_test, y_test = _windows(frame, test, EVAL_STRIDE)
        return Split(x_train, y_train, x_val, y_val, x_test, y_test)

    def model_build(self, variant: str | None = None) -> nn.Module:
        variant = self.variant_check(variant)
        if variant == "stacked":
            return TemperatureLSTM(hidden=32, layers=2)
        return TemperatureLSTM(hidden=24, layers=2, bidirectional=True)

    def scalers_fit(self, model: nn.Module, data: PublicData) -> None:
        assert isinstance(model, TemperatureLSTM)
        model.scale.fit(model.features(tensor_inputs(data.x_train)))

    def baselines(self, data: PublicData) -> dict[str, np.ndarray]:
        """Persistence: the last observed hour for all 24; daily persistence: the last 24 hours again."""
        last = data.x_test[:, -1, 0].astype(np.float64)
        return {
            "persistence": np.repeat(last[:, None], FUTURE_HOURS, axis=1),
            "persistence_24h": data.x_test[:, -FUTURE_HOURS:, 0].astype(np.float64),
        }
