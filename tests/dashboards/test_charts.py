"""The SVG chart module: bin arithmetic, well-formed XML, bars proportional to their values."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from dashboards.charts import (
    PALETTE,
    Bar,
    bar_chart,
    column_chart,
    histogram,
    histogram_bins,
    time_bins,
    time_series,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_histogram_bins_split_the_range_evenly_and_put_the_maximum_in_the_last_bin():
    counted = histogram_bins([0, 1, 2, 2.5, 4.99, 5, 10], bins=2)
    assert [(b.low, b.high) for b in counted] == [(0.0, 5.0), (5.0, 10.0)]
    assert [b.count for b in counted] == [5, 2]


def test_histogram_bins_with_an_explicit_range_leave_out_values_outside_it():
    counted = histogram_bins([-1, 0, 0.25, 0.5, 0.99, 1.0, 1.5], bins=4, low=0, high=1)
    assert [b.count for b in counted] == [1, 1, 1, 2]
    assert sum(b.count for b in counted) == 5
    assert counted[1].low == pytest.approx(0.25) and counted[1].high == pytest.approx(0.5)


def test_histogram_bins_of_equal_values_or_no_values_still_have_a_width():
    same = histogram_bins([3, 3, 3], bins=3)
    assert same[0].low == 3 and same[-1].high == 4
    assert [b.count for b in same] == [3, 0, 0]
    empty = histogram_bins([], bins=5)
    assert len(empty) == 5 and all(b.count == 0 for b in empty)
    with pytest.raises(ValueError):
        histogram_bins([1], bins=0)


def test_time_bins_count_each_moment_once_in_its_span():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    end = start + timedelta(hours=4)
    times = [
        start,
        start + timedelta(minutes=59),
        start + timedelta(hours=1),
        end,
        end + timedelta(seconds=1),
    ]
    assert [count for _, _, count in time_bins(times, start=start, end=end, buckets=4)] == [2, 1, 0, 1]


def test_column_chart_is_well_formed_svg_with_title_label_and_proportional_bars():
    svg = column_chart(
        [Bar("a", 2), Bar("b", 4), Bar("c & <d>", 1)], title="Scores <of> A&B", value_label="students"
    )
    root = parse(svg)
    assert root.get("role") == "img"
    assert "Scores <of> A&B" in root.get("aria-label", "")
    assert root.find(f"{SVG}title").text == "Scores <of> A&B"
    rects = bars(root)
    heights = [float(r.get("height")) for r in rects]
    assert heights[1] == pytest.approx(2 * heights[0], rel=1e-3)
    assert heights[0] == pytest.approx(2 * heights[2], rel=1e-3)
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels == ["a", "b", "c & <d>"]
    # Each bar has its own tooltip, and the colours are the colour-blind-safe palette's.
    assert all(r.find(f"{SVG}title") is not None for r in rects)
    assert {r.get("fill") for r in rects} == {PALETTE[0]}


def test_column_chart_with_a_fixed_maximum_scales_against_it():
    root = parse(column_chart([Bar("Q1", 25), Bar("Q2", 100)], title="t", max_value=100))
    q1, q2 = (float(r.get("height")) for r in bars(root))
    assert q2 == pytest.approx(4 * q1, rel=1e-3)
    assert float(bars(root)[1].get("y")) < float(bars(root)[0].get("y"))


def test_histogram_chart_has_a_bar_per_bin_with_heights_proportional_to_counts():
    root = parse(histogram([1, 1, 1, 2, 3, 3], bins=3, title="Distribution", x_label="mae"))
    counts = [float(r.get("data-value")) for r in bars(root)]
    assert counts == [3, 1, 2]
    heights = [float(r.get("height")) for r in bars(root)]
    assert heights[0] / heights[1] == pytest.approx(3, rel=1e-3)
    assert heights[2] / heights[1] == pytest.approx(2, rel=1e-3)
    assert "mae" in [t.text for t in root.iter(f"{SVG}text")]


def test_time_series_marks_the_deadline_inside_the_window():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    deadline = start + timedelta(days=2)
    times = [deadline - timedelta(minutes=m) for m in (5, 10, 20, 600)]
    root = parse(
        time_series(
            times,
            start=start,
            end=deadline,
            buckets=8,
            title="Rush",
            marker_at=deadline,
            marker_label="deadline",
        )
    )
    values = [float(r.get("data-value")) for r in bars(root)]
    assert values[-1] == 3 and sum(values) == 4
    marker = [line for line in root.iter(f"{SVG}line") if line.get("class") == "marker"]
    assert len(marker) == 1
    assert "deadline" in [t.text for t in root.iter(f"{SVG}text")]


def test_bar_chart_rows_have_lengths_proportional_to_values_and_empty_charts_still_parse():
    root = parse(bar_chart([Bar("ABC123", 3000), Bar("XYZ789", 1500)], title="Points"))
    first, second = (float(r.get("width")) for r in bars(root))
    assert first == pytest.approx(2 * second, rel=1e-3)
    assert bars(parse(bar_chart([], title="Nobody"))) == []
    assert bars(parse(column_chart([], title="Nothing"))) == []


def test_a_deadline_at_the_end_of_a_window_that_does_not_split_evenly_still_gets_its_line():
    # 7 days and 1 µs into 24 spans: each span is rounded to whole microseconds, so the last one ends before
    # the deadline; the line must still be drawn (it was not, on PostgreSQL's timestamps, in a browser test).
    start = datetime(2026, 11, 1, tzinfo=UTC)
    deadline = start + timedelta(days=7, microseconds=1)
    root = parse(
        time_series([start], start=start, end=deadline, buckets=24, title="Rush", marker_at=deadline)
    )
    assert len([line for line in root.iter(f"{SVG}line") if line.get("class") == "marker"]) == 1


def test_a_value_text_replaces_the_number_above_its_bar():
    root = parse(
        column_chart(
            [Bar(label="Q1", value=0, value_text="poll"), Bar(label="Q2", value=0)],
            title="t",
            label_zero=True,
            value_format=lambda v: f"{v:.0f}%",
        )
    )
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["poll", "0%"]


def test_a_poll_question_is_labelled_poll_not_zero_per_cent_correct():
    from types import SimpleNamespace

    from dashboards.figures import game_figures
    from dashboards.selectors import GameActivity, QuestionStat

    stats = [
        QuestionStat(1, "Q1", "Which layer?", "choice", 10, 0, 0.0, 2.0),
        QuestionStat(2, "Q2", "How do you feel?", "poll", 10, 0, None, 2.0),
    ]
    game = SimpleNamespace(quiz=SimpleNamespace(title="Lecture 3"))
    figures = game_figures(activity=GameActivity(game=game, questions=stats, players=[]))  # type: ignore[arg-type]
    root = parse(str(figures.questions))
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["0%", "poll"]
