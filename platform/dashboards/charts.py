"""Charts as inline SVG, built on the server in plain Python (no JavaScript, no CDN).

Every chart is a ``<svg role="img">`` with a ``<title>`` and an ``aria-label`` saying what it shows,
text labels on the axes and on each bar, and a ``<title>`` per bar (the hover tooltip, read by screen
readers too). Colours come from the Okabe–Ito palette, which stays distinct under the common forms of
colour blindness. The functions return ``SafeString``: every text that goes in is escaped here.

- ``histogram_bins(values, bins=…)`` / ``histogram(values, bins=…)``: a distribution (scores).
- ``time_bins(times, start=…, end=…, buckets=…)`` / ``time_series(times, …)``: counts over time (the
  deadline rush), with an optional marker line (the deadline).
- ``column_chart(bars)``: labelled vertical bars; ``bar_chart(bars)``: labelled horizontal bars, for
  long lists (one bar per player).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion, reddish purple,
# sky blue, yellow. Dark text on light backgrounds; bars use the first colour unless told otherwise.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
INK = "#1b1f24"
MUTED = "#5b6570"
GRID = "#d5dade"

WIDTH = 560
HEIGHT = 260
MARGIN_LEFT = 48
MARGIN_RIGHT = 12
MARGIN_TOP = 28
MARGIN_BOTTOM = 46


@dataclass(frozen=True)
class Bar:
    """One bar: its label (under or beside it), its value, and an optional tooltip and colour."""

    label: str
    value: float
    tooltip: str = ""
    colour: str = PALETTE[0]
    # Written above the bar instead of the value, e.g. "poll" for a question that has no correct answer
    # (a "0%" there would read as a question nobody got right).
    value_text: str | None = None


@dataclass(frozen=True)
class Bin:
    """A histogram bin: ``low <= value < high`` (the last bin includes ``high``)."""

    low: float
    high: float
    count: int


def _number(value: float) -> str:
    """A short label: whole numbers without decimals, others with up to three significant digits."""
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.3g}"


def histogram_bins(
    values: Sequence[float], *, bins: int = 10, low: float | None = None, high: float | None = None
) -> list[Bin]:
    """Count ``values`` into ``bins`` equal-width bins from ``low`` to ``high`` (default: their range).

    Values outside an explicit range are left out; with no values the range is 0–1; when all values are
    equal the range is widened to one unit so that each bin has a width.
    """
    if bins < 1:
        raise ValueError("A histogram needs at least one bin.")
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    lo = min(finite) if low is None and finite else (0.0 if low is None else float(low))
    hi = max(finite) if high is None and finite else (1.0 if high is None else float(high))
    if hi < lo:
        raise ValueError("The histogram's high end is below its low end.")
    if hi == lo:
        hi = lo + 1.0
    width = (hi - lo) / bins
    counts = [0] * bins
    for value in finite:
        if value < lo or value > hi:
            continue
        counts[min(int((value - lo) / width), bins - 1)] += 1
    return [Bin(low=lo + i * width, high=lo + (i + 1) * width, count=counts[i]) for i in range(bins)]


def time_bins(
    times: Sequence[datetime], *, start: datetime, end: datetime, buckets: int = 24
) -> list[tuple[datetime, datetime, int]]:
    """Count ``times`` into ``buckets`` equal spans from ``start`` to ``end``: (from, to, count) each.

    Times outside the window are left out; the last span includes ``end``.
    """
    if buckets < 1:
        raise ValueError("A time series needs at least one bucket.")
    if end <= start:
        end = start + timedelta(hours=1)
    span = (end - start) / buckets
    counts = [0] * buckets
    for moment in times:
        if moment < start or moment > end:
            continue
        counts[min(int((moment - start) / span), buckets - 1)] += 1
    return [(start + i * span, start + (i + 1) * span, counts[i]) for i in range(buckets)]


def _svg_open(*, title: str, description: str, width: int, height: int, css_class: str) -> list[str]:
    label = f"{title}. {description}" if description else title
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {escape(css_class)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'aria-label="{escape(label)}" font-family="system-ui, sans-serif" font-size="14">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>" if description else "",
    ]


def _nice_top(value: float) -> float:
    """A round number at or above ``value`` for the top of the value axis (1, 2, 2.5, 5 × 10^k)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10**exponent
        if top >= value:
            return float(top)
    return float(10 ** (exponent + 1))


def column_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str = "",
    value_label: str = "",
    category_label: str = "",
    max_value: float | None = None,
    marker: tuple[float, str] | None = None,
    value_format: Callable[[float], str] = _number,
    max_labels: int = 12,
    label_zero: bool = False,
    css_class: str = "column-chart",
) -> SafeString:
    """Vertical bars, heights proportional to the values (zero at the baseline).

    ``marker`` is (position in bars, label): a dashed vertical line, e.g. the deadline at 17.5 bars.
    Values are written above their bars (zeros too with ``label_zero``) while there are at most 24.
    Category labels are thinned to at most ``max_labels`` so that they never overlap.
    """
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    top = max_value if max_value is not None else _nice_top(max((b.value for b in bars), default=0.0))
    top = top if top > 0 else 1.0
    parts = _svg_open(title=title, description=description, width=WIDTH, height=HEIGHT, css_class=css_class)
    baseline = MARGIN_TOP + plot_h
    for fraction in (0.0, 0.5, 1.0):
        y = baseline - fraction * plot_h
        parts.append(
            f'<line class="grid" x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="axis" x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(value_format(top * fraction))}</text>"
        )
    count = len(bars)
    if count == 0:
        parts.append(
            f'<text class="empty" x="{WIDTH / 2}" y="{MARGIN_TOP + plot_h / 2}" text-anchor="middle" '
            f'fill="{MUTED}">{escape("—")}</text>'
        )
    slot = plot_w / max(count, 1)
    gap = min(slot * 0.2, 8.0)
    every = max(1, math.ceil(count / max(max_labels, 1)))
    for index, bar in enumerate(bars):
        height = max(0.0, min(bar.value, top)) / top * plot_h
        x = MARGIN_LEFT + index * slot + gap / 2
        y = baseline - height
        tooltip = bar.tooltip or f"{bar.label}: {value_format(bar.value)}"
        parts.append(
            f'<rect class="bar" x="{x:.2f}" y="{y:.2f}" width="{slot - gap:.2f}" height="{height:.2f}" '
            f'fill="{escape(bar.colour)}" data-value="{bar.value:g}"><title>{escape(tooltip)}</title></rect>'
        )
        centre = x + (slot - gap) / 2
        if (bar.value or label_zero or bar.value_text) and count <= 24:
            text = bar.value_text if bar.value_text is not None else value_format(bar.value)
            parts.append(
                f'<text class="value" x="{centre:.2f}" y="{y - 4:.2f}" text-anchor="middle" fill="{INK}">'
                f"{escape(text)}</text>"
            )
        if index % every == 0:
            parts.append(
                f'<text class="label" x="{centre:.2f}" y="{baseline + 16}" text-anchor="middle" '
                f'fill="{INK}">{escape(bar.label)}</text>'
            )
    if marker is not None and count:
        position, text = marker
        x = MARGIN_LEFT + max(0.0, min(position, count)) * slot
        parts.append(
            f'<line class="marker" x1="{x:.2f}" x2="{x:.2f}" y1="{MARGIN_TOP - 6}" y2="{baseline}" '
            f'stroke="{PALETTE[3]}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
        anchor = "end" if x > WIDTH * 0.8 else "start"
        offset = -4 if anchor == "end" else 4
        parts.append(
            f'<text class="marker-label" x="{x + offset:.2f}" y="{MARGIN_TOP - 10}" text-anchor="{anchor}" '
            f'fill="{PALETTE[3]}">{escape(text)}</text>'
        )
    parts.append(
        f'<line class="axis-line" x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{baseline}" '
        f'y2="{baseline}" stroke="{INK}" stroke-width="1"/>'
    )
    if category_label:
        parts.append(
            f'<text class="axis-title" x="{MARGIN_LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" '
            f'text-anchor="middle" fill="{MUTED}">{escape(category_label)}</text>'
        )
    if value_label:
        parts.append(
            f'<text class="axis-title" x="{MARGIN_LEFT}" y="14" text-anchor="start" fill="{MUTED}">'
            f"{escape(value_label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str = "",
    max_value: float | None = None,
    value_format: Callable[[float], str] = _number,
    css_class: str = "bar-chart",
) -> SafeString:
    """Horizontal bars, one row each with its label on the left and its value at the end of the bar.

    The chart grows in height with the number of rows, so it suits long lists (players, questions).
    """
    row_h = 24
    label_w = 110
    value_w = 56
    top_pad = 8
    height = top_pad * 2 + max(len(bars), 1) * row_h
    plot_w = WIDTH - label_w - value_w
    top = max_value if max_value is not None else max((b.value for b in bars), default=0.0)
    top = top if top > 0 else 1.0
    parts = _svg_open(title=title, description=description, width=WIDTH, height=height, css_class=css_class)
    if not bars:
        parts.append(
            f'<text class="empty" x="{WIDTH / 2}" y="{height / 2 + 4}" text-anchor="middle" '
            f'fill="{MUTED}">{escape("—")}</text>'
        )
    for index, bar in enumerate(bars):
        y = top_pad + index * row_h
        length = max(0.0, min(bar.value, top)) / top * plot_w
        tooltip = bar.tooltip or f"{bar.label}: {value_format(bar.value)}"
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{length:.2f}" height="{row_h - 6}" '
            f'fill="{escape(bar.colour)}" data-value="{bar.value:g}"><title>{escape(tooltip)}</title></rect>'
        )
        parts.append(
            f'<text class="value" x="{label_w + length + 6:.2f}" y="{y + row_h / 2 + 4:.1f}" '
            f'text-anchor="start" fill="{INK}">{escape(value_format(bar.value))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def histogram(
    values: Sequence[float],
    *,
    bins: int = 10,
    title: str,
    description: str = "",
    value_label: str = "",
    x_label: str = "",
    low: float | None = None,
    high: float | None = None,
) -> SafeString:
    """A histogram of ``values``: one column per bin, labelled with the bin's low end."""
    counted = histogram_bins(values, bins=bins, low=low, high=high)
    bars = [
        Bar(
            label=_number(b.low),
            value=b.count,
            tooltip=f"{_number(b.low)}–{_number(b.high)}: {b.count}",
        )
        for b in counted
    ]
    return column_chart(
        bars,
        title=title,
        description=description,
        value_label=value_label,
        category_label=x_label,
        max_labels=6,
        css_class="histogram",
    )


def time_series(
    times: Sequence[datetime],
    *,
    start: datetime,
    end: datetime,
    buckets: int = 24,
    title: str,
    description: str = "",
    value_label: str = "",
    marker_at: datetime | None = None,
    marker_label: str = "",
) -> SafeString:
    """Counts over time as columns (each labelled with its start, local time), with an optional marker."""
    counted = time_bins(times, start=start, end=end, buckets=buckets)
    whole_days = (counted[0][1] - counted[0][0]) >= timedelta(days=1)
    pattern = "%m-%d" if whole_days else "%m-%d %H:%M"
    bars = []
    for low, high, count in counted:
        label = timezone.localtime(low).strftime(pattern)
        until = timezone.localtime(high).strftime(pattern)
        bars.append(Bar(label=label, value=count, tooltip=f"{label} – {until}: {count}"))
    marker = None
    if marker_at is not None and counted:
        # The last span ends at ``start + buckets × span``, which microsecond rounding of the span can put
        # just before ``end``: a deadline at the very end must still get its line.
        first, last = counted[0][0], max(counted[-1][1], end)
        if first <= marker_at <= last:
            marker = ((marker_at - first) / (last - first) * len(counted), marker_label)
    return column_chart(
        bars,
        title=title,
        description=description,
        value_label=value_label,
        marker=marker,
        max_labels=5,
        css_class="time-series",
    )
