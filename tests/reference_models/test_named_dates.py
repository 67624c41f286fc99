"""Homework 3's named dates: the public list, and the strict reader of a student's named_dates.csv."""

import json

import numpy as np
import pytest

from reference_models import problem_get, problem_prepare
from reference_models.named_dates import (
    MAX_BYTES,
    NamedDatePrediction,
    named_dates_disagreement,
    named_dates_from_predictions,
    named_dates_read,
)
from reference_models.predictions import PredictionFormatError

COLUMNS = ("temp_max_d1", "temp_max_d7", "temp_max_d30")
NAMED = {"2015-02-01": 31, "2015-06-21": 171, "2015-10-15": 287}
GOOD = (
    "date,temp_max_d1,temp_max_d7,temp_max_d30\n"
    "2015-06-21,25.1,24,23.5\n2015-02-01,8,9,10\n2015-10-15,15,14,13\n"
)


def _read(tmp_path, text: str | bytes):
    path = tmp_path / "named_dates.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return named_dates_read(path=path, named=NAMED, columns=COLUMNS)


def test_weather_forecast_names_three_test_days_with_their_inputs(tmp_path):
    """The slide's three named dates are issue days of the test year; the public files say which test id
    each is, and that id's inputs end on that day (the issue day's maximum is the last temp_max value)."""
    task = problem_get("weather-forecast")
    problem_prepare(task, tmp_path)
    manifest = json.loads((tmp_path / "public" / "manifest.json").read_text())
    assert [d["date"] for d in manifest["named_dates"]] == list(task.named_dates)
    listed = (tmp_path / "public" / "named_dates_ids.csv").read_text().splitlines()
    assert listed == ["date,id", *(f"{d['date']},{d['id']}" for d in manifest["named_dates"])]
    readme = (tmp_path / "public" / "README.txt").read_text()
    assert "named_dates.csv" in readme and "date,temp_max_d1,temp_max_d7,temp_max_d30" in readme
    from reference_models.problems.weather_forecast import HISTORY_DAYS, weather_daily

    frame = weather_daily().set_index("date")
    x_test = np.load(tmp_path / "public" / "test.npz")["x"]
    for entry in manifest["named_dates"]:
        issue_day_max = frame.loc[entry["date"], "temp_max"]
        assert x_test[entry["id"], HISTORY_DAYS - 1] == pytest.approx(issue_day_max)
    assert "named_dates" not in json.loads(
        (problem_prepare("fever-regression", tmp_path / "fever") / "public" / "manifest.json").read_text()
    )


def test_a_good_file_is_read_in_the_named_order(tmp_path):
    rows = _read(tmp_path, GOOD)
    assert [r.date for r in rows] == list(NAMED)
    assert rows[1] == NamedDatePrediction("2015-06-21", 171, (25.1, 24.0, 23.5))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "is empty"),
        ("id,temp_max_d1,temp_max_d7,temp_max_d30\n", "the header is"),
        (GOOD.replace("2015-10-15,15,14,13\n", ""), "no line for 2015-10-15"),
        (GOOD + "2015-02-01,8,9,10\n", "appears a second time"),
        (GOOD.replace("2015-10-15", "2015-10-16"), "not one of the named dates"),
        (GOOD.replace("2015-10-15", "15/10/2015"), "not one of the named dates"),
        (GOOD.replace("25.1", "nan"), "is not a number"),
        (GOOD.replace("25.1", "1e400"), "too large"),
        (GOOD.replace(",23.5", ""), "has 3 fields"),
        (GOOD.replace("25.1", "=cmd|' /C calc'!A0"), "is not a number"),
        ("\ufeff" + GOOD.replace("25.1", "<script>"), "is not a number"),
    ],
)
def test_a_bad_file_is_refused_saying_what_is_wrong(tmp_path, text, says):
    with pytest.raises(PredictionFormatError) as refused:
        _read(tmp_path, text)
    assert says in str(refused.value) and "named_dates.csv" in str(refused.value)


def test_hostile_bytes_are_refused_before_they_are_parsed(tmp_path):
    with pytest.raises(PredictionFormatError, match="bytes"):
        _read(tmp_path, GOOD + "#" * MAX_BYTES)
    with pytest.raises(PredictionFormatError, match="UTF-16"):
        _read(tmp_path, GOOD.encode("utf-16"))
    with pytest.raises(PredictionFormatError, match="UTF-8"):
        _read(tmp_path, b"date,temp_max_d1\n\xff\xfe\xfa")
    with pytest.raises(PredictionFormatError, match="Cannot read"):
        named_dates_read(path=tmp_path / "absent.csv", named=NAMED, columns=COLUMNS)


def test_the_hand_in_must_agree_with_the_prediction_file():
    ids = np.arange(335)
    values = np.zeros((335, 3))
    values[31], values[171], values[287] = (8, 9, 10), (25.1, 24, 23.5), (15, 14, 13)
    predicted = named_dates_from_predictions(ids=ids, values=values, named=NAMED)
    handed_in = [NamedDatePrediction(p.date, p.test_id, tuple(v + 0.01 for v in p.values)) for p in predicted]
    assert named_dates_disagreement(handed_in, predicted) == ""  # rounding is fine
    made_up = [*handed_in[:2], NamedDatePrediction("2015-10-15", 287, (15, 14, 20))]
    message = named_dates_disagreement(made_up, predicted)
    assert "2015-10-15" in message and "predictions.csv has 13" in message
