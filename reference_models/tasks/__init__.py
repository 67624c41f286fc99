"""The task registry: one module per homework task, each with a stable name."""

from __future__ import annotations

from reference_models.task import Task
from reference_models.tasks.digits import DigitsTask
from reference_models.tasks.fever import FeverClassificationTask, FeverRegressionTask
from reference_models.tasks.nyc_temperature import NycTemperatureTask
from reference_models.tasks.temperature_lstm import TemperatureLSTMTask
from reference_models.tasks.texture_transfer import TextureTransferTask
from reference_models.tasks.weather_forecast import WeatherForecastTask

TASKS: dict[str, type[Task]] = {
    task.name: task
    for task in (
        DigitsTask,
        WeatherForecastTask,
        NycTemperatureTask,
        TemperatureLSTMTask,
        TextureTransferTask,
        FeverRegressionTask,
        FeverClassificationTask,
    )
}
