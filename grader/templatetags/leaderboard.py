"""The leaderboard's rows, rendered here rather than by the template's loop.

A page of 100 rows spent ~10 ms in Django's template engine (a variable lookup or an ``if`` per cell) and as
much again formatting dates and scores; during a deadline burst that time is shared with the uploads, and
the page's p95 passed 100 ms (benchmarks/bench_grader.py). Plain string building with ``escape``, as the
gradebook's cells do; the dates and scores come from ``quick_formats``' per-process memo.
"""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language, gettext

from core.templatetags.quick_formats import date_text, float_text
from grader.selectors import LeaderboardRow

register = template.Library()

PLACEHOLDER_PK = 987654321
DATE = "SHORT_DATETIME_FORMAT"


@register.simple_tag(takes_context=True)
def leaderboard_rows(context: template.Context, rows: list[LeaderboardRow]) -> SafeString:
    """The ``<tr>`` of each row: the viewer's own highlighted; for staff the late badge and the links."""
    staff = bool(context.get("staff"))
    zone, language = get_current_timezone(), get_language()
    you = f' <span class="badge you">{escape(gettext("you"))}</span>'
    late = f' <span class="badge late">{escape(gettext("late"))}</span>'
    if staff:
        assignment_pk = context["assignment"].pk
        submission_url = reverse("grader:submission", args=[PLACEHOLDER_PK])
        history_url = reverse("grader:student_history", args=[assignment_pk, PLACEHOLDER_PK])
        history = escape(gettext("history"))
    parts = []
    for row in rows:
        mine = row.is_viewer
        current = ' aria-current="true"' if mine else ""
        badges = (you if mine else "") + (late if row.late_days and staff else "")
        links = ""
        if staff:
            if row.submission_id:
                links = (
                    f'<a href="{submission_url.replace(str(PLACEHOLDER_PK), str(row.submission_id))}">'
                    f"#{row.submission_id}</a> · "
                    f'<a href="{history_url.replace(str(PLACEHOLDER_PK), str(row.user_id))}">{history}</a>'
                )
            links = f"<td>{links}</td>"
        when = date_text(row.submitted_at, zone=zone, language=language, pattern=DATE)
        parts.append(
            f'    <tr class="{"me" if mine else ""}"{current}>\n'
            f"      <td>{row.rank}</td>\n"
            f'      <td class="code">{escape(str(row.name))}{badges}</td>\n'
            f'      <td class="num">{float_text(row.score, digits=4, language=language)}</td>\n'
            f'      <td class="num">{row.entries}</td>\n'
            f'      <td class="wide">{escape(when)}</td>\n'
            f"      {links}\n"
            f"    </tr>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number
