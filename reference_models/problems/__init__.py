"""The registry of homework problems ("tasks" in the course's words; ``problem`` in code, so that "task" means
a Celery task only): one module per problem, each with a stable name, its ``task_key``."""

from __future__ import annotations

from reference_models.problem import Problem
from reference_models.problems.digits import DigitsProblem
from reference_models.problems.fever import FeverClassificationProblem, FeverRegressionProblem
from reference_models.problems.nyc_temperature import NycTemperatureProblem
from reference_models.problems.temperature_lstm import TemperatureLSTMProblem
from reference_models.problems.texture_transfer import TextureTransferProblem
from reference_models.problems.weather_forecast import WeatherForecastProblem

PROBLEMS: dict[str, type[Problem]] = {
    task.name: task
    for task in (
        DigitsProblem,
        WeatherForecastProblem,
        NycTemperatureProblem,
        TemperatureLSTMProblem,
        TextureTransferProblem,
        FeverRegressionProblem,
        FeverClassificationProblem,
    )
}
