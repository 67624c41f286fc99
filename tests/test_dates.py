"""Dates as the reader's language writes them: named formats per language, no literal English pattern."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 12, 9, 14, 30, 5, tzinfo=ZoneInfo("Europe/Budapest"))


def render(fmt: str, language: str) -> str:
    with translation.override(language):
        return Template('{{ when|date:"' + fmt + '" }}').render(Context({"when": WHEN}))


def test_hungarian_dates_read_as_hungarians_write_them():
    assert render("DATETIME_FORMAT", "hu") == "2026. dec. 9. (sze), 14:30"
    assert render("SHORT_DATETIME_FORMAT", "hu") == "dec. 9. (sze), 14:30"
    assert render("MONTH_DAY_FORMAT", "hu") == "dec. 9."
    assert render("DATE_FORMAT", "hu") == "2026. dec. 9. (sze)"


def test_english_dates_keep_the_sites_day_month_order():
    assert render("DATETIME_FORMAT", "en") == "Wed 9 Dec 2026, 14:30"
    assert render("SHORT_DATETIME_FORMAT", "en") == "Wed 9 Dec, 14:30"
    assert render("MONTH_DAY_FORMAT", "en") == "9 Dec"


def test_no_template_writes_a_date_with_a_literal_pattern_of_month_or_day_names():
    """A pattern like "D j M" gives "sze 9 Dec" in Hungarian: month and day names go through the named
    formats. Numeric patterns (Y-m-d, H:i:s, ISO 'c') are the same in every language."""
    literal = re.compile(r"""\|date:["']([^"']+)["']""")
    names = set("DlNMbEFS")
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        for pattern in literal.findall(path.read_text(encoding="utf-8")):
            if not pattern.endswith("_FORMAT") and names & set(pattern):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []
