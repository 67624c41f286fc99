"""Template helpers for points and gradebook cells, for the gradebook's pages and the history sections
the apps provide (``core.gradebook_sources``). The cell is rendered here, not by an include, since the
table of 400 students × 30 columns has 12,000 of them."""

from decimal import Decimal
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from core.gradebook_sources import Cell
from core.points import number_text

register = template.Library()


@register.filter
def points(value: Decimal | None) -> str:
    """A number as the gradebook shows it (the exports use the same text)."""
    return number_text(value)


PLACEHOLDER_PK = 987654321


def _cell_url(context, url_name: str, pk: int) -> str:
    """The linked page's URL, reversed once per URL name and render (the table has thousands of links)."""
    patterns = context.render_context.setdefault("gradebook_cell_urls", {})
    pattern = patterns.get(url_name)
    if pattern is None:
        pattern = reverse(url_name, args=[PLACEHOLDER_PK]).replace(str(PLACEHOLDER_PK), "{}")
        patterns[url_name] = pattern
    return pattern.format(pk)


@register.simple_tag(takes_context=True)
def gradebook_cell(context, cell: Cell | None) -> SafeString:
    """One cell: the points (a link to the hand-in that counts), or excused / missing, with marks.

    Plain string building with ``escape``: this runs 12,000 times for a big table.
    """
    if cell is None:
        return mark_safe("–")  # noqa: S308 - a constant
    if cell.excused:
        body = '<span class="cell-excused" title="{}">{}</span>'.format(
            escape(gettext("excused: not in the total")), escape(gettext("excused"))
        )
    elif cell.missing:
        body = '<span class="cell-missing" title="{}">–</span>'.format(
            escape(gettext("missing: counts as 0"))
        )
    elif cell.submission_id and cell.url_name:
        late = ""
        if cell.late_days:
            text = ngettext("%(days)d day late", "%(days)d days late", cell.late_days) % {
                "days": cell.late_days
            }
            late = f' class="cell-late" title="{escape(text)}"'
        href = escape(_cell_url(context, cell.url_name, cell.submission_id))
        body = f'<a href="{href}"{late}>{escape(number_text(cell.points))}</a>'
    else:
        body = escape(number_text(cell.points))
    if cell.overridden:
        body += '<span title="{}">*</span>'.format(escape(gettext("override")))
    if cell.extension_days:
        body += '<span title="{}">+</span>'.format(escape(gettext("extension")))
    return mark_safe(body)  # noqa: S308 - every variable part is escaped above
