"""Template helpers of the gradebook; the cell is rendered here, not by an include, since the table of
400 students × 30 columns has 12,000 of them."""

from decimal import Decimal
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from gradebook.arithmetic import Cell
from gradebook.exports import number_text

register = template.Library()


@register.filter
def points(value: Decimal | None) -> str:
    """A number as the gradebook shows it (the exports use the same text)."""
    return number_text(value)


@register.filter
def category_percent(total, category: str) -> Decimal | None:
    return total.by_category.get(category)


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


PLACEHOLDER_PK = 987654321


def _submission_url(context, pk: int) -> str:
    """The submission page's URL, reversed once per render (the table has thousands of links)."""
    pattern = context.render_context.get("gradebook_submission_url")
    if pattern is None:
        pattern = reverse("grader:submission", args=[PLACEHOLDER_PK]).replace(str(PLACEHOLDER_PK), "{}")
        context.render_context["gradebook_submission_url"] = pattern
    return pattern.format(pk)


@register.simple_tag(takes_context=True)
def gradebook_cell(context, cell: Cell | None) -> SafeString:
    """One cell: the points (a link to the submission that counts), or excused / missing, with marks.

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
    elif cell.submission_id:
        late = ""
        if cell.late_days:
            text = ngettext("%(days)d day late", "%(days)d days late", cell.late_days) % {
                "days": cell.late_days
            }
            late = f' class="cell-late" title="{escape(text)}"'
        href = escape(_submission_url(context, cell.submission_id))
        body = f'<a href="{href}"{late}>{escape(number_text(cell.points))}</a>'
    else:
        body = escape(number_text(cell.points))
    if cell.overridden:
        body += '<span title="{}">*</span>'.format(escape(gettext("override")))
    if cell.extension_days:
        body += '<span title="{}">+</span>'.format(escape(gettext("extension")))
    return mark_safe(body)  # noqa: S308 - every variable part is escaped above


@register.filter
def get_index(sequence, index: int):
    return sequence[index]


@register.simple_tag(takes_context=True)
def gradebook_td(context, cell: Cell) -> SafeString:
    """The table cell around ``gradebook_cell`` (highlighted when adjusted)."""
    adjusted = " cell-adjusted" if cell.overridden or cell.extension_days else ""
    return mark_safe(f'<td class="num{adjusted}">{gradebook_cell(context, cell)}</td>')  # noqa: S308
