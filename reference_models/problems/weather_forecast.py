"""Feed-forward forecasting (the 3rd small homework): Seattle's daily maximum temperature one day,
one week and one month ahead, from the preceding days' weather (``vega_datasets``, offline)."""

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

HISTORY_DAYS = 14
HORIZONS = (1, 7, 30)
VARIABLES = ("temp_max", "temp_min", "precipitation", "wind")
CLIMATOLOGY_WINDOW = 15  # days either side of the day of the year


def weather_daily() -> pd.DataFrame:
    """Seattle daily weather 2012-2015 (1,461 days; temperatures in degrees C, rain in mm, wind in m/s)."""
    import pandas as pd
    from vega_datasets import local_data

    frame = local_data("seattle-weather").sort_values("date").reset_index(drop=True)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _windows(frame: pd.DataFrame, first: str, last: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Samples issued on days ``first``..``last`` whose every target lies on or before ``last``'s year end."""
    import pandas as pd

    values = frame[list(VARIABLES)].to_numpy(dtype=np.float32)
    dates = frame["date"]
    year_end = pd.Timestamp(last).to_period("Y").end_time.normalize()
    xs, ys, issued = [], [], []
    for t in range(HISTORY_DAYS - 1, len(frame) - max(HORIZONS)):
        day = dates.iloc[t]
        if not pd.Timestamp(first) <= day <= pd.Timestamp(last) or dates.iloc[t + max(HORIZONS)] > year_end:
            continue
        history = values[t - HISTORY_DAYS + 1 : t + 1].T.reshape(-1)  # variable-major, oldest first
        angle = 2 * np.pi * (day.day_of_year - 1) / 365.25
        xs.append(np.concatenate([history, [np.sin(angle), np.cos(angle)]]).astype(np.float32))
        ys.append([values[t + h, 0] for h in HORIZONS])
        issued.append(t)
    return np.stack(xs), np.asarray(ys, dtype=np.float32), np.asarray(issued)


def climatology(frame: pd.DataFrame, before: str) -> np.ndarray:
    """Mean daily maximum per day of the year (index 1..366) over the days before ``before``,
    smoothed over +-15 days (circular)."""
    import pandas as pd

    past = frame[frame["date"] < pd.Timestamp(before)]
    doy = past["date"].dt.day_of_year.to_numpy()
    temp = past["temp_max"].to_numpy()
    table = np.zeros(367)
    for d in range(1, 367):
        distance = np.abs(doy - d)
        distance = np.minimum(distance, 366 - distance)
        table[d] = temp[distance <= CLIMATOLOGY_WINDOW].mean()
    return table


class ForecastNet(nn.Module):
    """Persistence plus a learned correction: today's maximum + a linear map + a small MLP of the
    standardised inputs, one output per horizon."""

    def __init__(self, features: int, hidden: int = 32, dropout: float = 0.5) -> None:
        super().__init__()
        self.today = HISTORY_DAYS - 1  # an attribute, not a global: TorchScript keeps it as a constant
        self.scale = Standardize(features)
        self.linear = nn.Linear(features, len(HORIZONS))
        self.net = nn.Sequential(
            nn.Linear(features, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, len(HORIZONS)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scaled = self.scale(x)
        today = x[:, self.today : self.today + 1]
        return today + self.linear(scaled) + self.net(scaled)


class WeatherForecastProblem(Problem):
    name = "weather-forecast"
    title = "Feed-forward forecasting: Seattle daily maximum temperature 1, 7 and 30 days ahead"
    metric = "mae"
    higher_is_better = False
    columns = tuple(f"temp_max_d{h}" for h in HORIZONS)
    variants = ("mlp",)
    default_epochs = 100
    inputs = (
        f"x: float32, shape (N, {len(VARIABLES) * HISTORY_DAYS + 2}): the last {HISTORY_DAYS} days "
        f"(oldest first, the issue day last) of {', '.join(VARIABLES)} in that order "
        f"({HISTORY_DAYS} values each; C, mm, m/s), then sin and cos of the issue day's day of the year. "
        "y: temp_max (C) 1, 7 and 30 days after the issue day"
    )
    data_source = (
        "real: vega_datasets seattle-weather (daily, 2012-2015); issue days in 2012-2013 train, 2014 "
        "validation, 2015 test, each target in the issue day's year"
    )
    lr = 2e-3
    weight_decay = 1e-2
    batch_size = 32
    refit_on_train_and_val = True
    # The slide's "record ... the three predicted values separately" for three named dates: issue days of
    # the test year in winter, summer and autumn.
    named_dates = ("2015-02-01", "2015-06-21", "2015-10-15")
    data_version = 2  # 2: named_dates_ids.csv and the manifest's named_dates
    practice_only = (
        "the test year's weather ships with vega_datasets in the grader's environment: matching a test "
        "window against the series reads off its future (MAE 0.0)"
    )

    def split_build(self) -> Split:
        frame = weather_daily()
        x_train, y_train, _ = _windows(frame, "2012-01-01", "2013-12-31")
        x_val, y_val, _ = _windows(frame, "2014-01-01", "2014-12-31")
        x_test, y_test, _ = _windows(frame, "2015-01-01", "2015-12-31")
        return Split(x_train, y_train, x_val, y_val, x_test, y_test)

    def named_date_ids(self) -> dict[str, int]:
        frame = weather_daily()
        _, _, issued = _windows(frame, "2015-01-01", "2015-12-31")
        days = [str(day.date()) for day in frame["date"].iloc[issued]]
        return {date: days.index(date) for date in self.named_dates}

    def model_build(self, variant: str | None = None) -> nn.Module:
        self.variant_check(variant)
        return ForecastNet(len(VARIABLES) * HISTORY_DAYS + 2)

    def scalers_fit(self, model: nn.Module, data: PublicData) -> None:
        assert isinstance(model, ForecastNet)
        model.scale.fit(tensor_inputs(data.x_train))

    def baselines(self, data: PublicData) -> dict[str, np.ndarray]:
        """Persistence (the issue day's maximum for every horizon) and climatology (the 2012-2014
        mean maximum of the target's day of the year, +-15 days): both from public years only."""
        frame = weather_daily()
        table = climatology(frame, before="2015-01-01")
        _, _, issued = _windows(frame, "2015-01-01", "2015-12-31")
        today = data.x_test[:, HISTORY_DAYS - 1].astype(np.float64)
        persistence = np.repeat(today[:, None], len(HORIZONS), axis=1)
        doy = frame["date"].dt.day_of_year.to_numpy()
        clim = np.stack([table[doy[issued + h]] for h in HORIZONS], axis=1)
        return {"persistence": persistence, "climatology": clim}
