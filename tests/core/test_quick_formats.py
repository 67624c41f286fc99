"""The remembered formats give exactly Django's ``date`` and ``floatformat`` text, per language and zone."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core.templatetags.quick_formats import date_text, float_text

SAME = Template(
    "{% load quick_formats %}"
    "{{ when|date:'SHORT_DATETIME_FORMAT' }}|{{ when|date_fast:'SHORT_DATETIME_FORMAT' }}"
    "|{{ score|floatformat:4 }}|{{ score|floatformat_fast:4 }}"
)


@pytest.mark.parametrize("language", ["en", "hu"])
@pytest.mark.parametrize("zone", ["Europe/Budapest", "America/New_York"])
@pytest.mark.parametrize(
    ("when", "score"),
    [
        (datetime(2026, 12, 9, 13, 30, tzinfo=UTC), 0.123456),
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), 1234.5),  # an hour before Budapest's clocks go forward
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), -0.00004),
        (None, None),
        (datetime(2026, 1, 1, tzinfo=UTC), Decimal("2.5")),
        (datetime(2026, 1, 1, tzinfo=UTC), "0.5"),
    ],
)
def test_the_fast_filters_write_what_djangos_write(language, zone, when, score):
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        for _ in range(2):  # computed, then remembered
            text = SAME.render(Context({"when": when, "score": score}))
            slow_date, fast_date, slow_score, fast_score = text.split("|")
            assert (fast_date, fast_score) == (slow_date, slow_score)


def test_the_same_instant_in_two_zones_is_not_mixed_up():
    when = datetime(2026, 12, 9, 13, 30, tzinfo=UTC)
    hour = Template("{% load quick_formats %}{{ when|date_fast:'H:i' }}")
    texts = []
    for zone in ("Europe/Budapest", "Asia/Tokyo"):
        with timezone.override(ZoneInfo(zone)):
            texts.append(hour.render(Context({"when": when})))
    assert texts == ["14:30", "22:30"]


@pytest.mark.parametrize("language", ["en", "hu"])
@pytest.mark.parametrize("zone", ["Europe/Budapest", "Asia/Tokyo"])
def test_date_text_and_float_text_write_what_the_template_filters_write(language, zone):
    when, score = datetime(2026, 10, 25, 0, 30, tzinfo=UTC), 12.345678
    slow = Template("{{ when|date:'SHORT_DATETIME_FORMAT' }}|{{ score|floatformat:4 }}")
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        expected = slow.render(Context({"when": when, "score": score}))
        fast = "{}|{}".format(
            date_text(when, zone=ZoneInfo(zone), language=language, pattern="SHORT_DATETIME_FORMAT"),
            float_text(score, digits=4, language=language),
        )
    assert fast == expected
