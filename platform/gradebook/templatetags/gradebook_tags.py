"""Template helpers of the gradebook; the cell is rendered here, not by an include, since the table of
400 students × 30 columns has 12,000 of them."""

from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.html import format_html
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


@register.simple_tag
def gradebook_cell(cell: Cell | None, link: bool = True) -> SafeString:
    """One cell: the points (a link to the submission that counts), or excused / missing, with marks."""
    if cell is None:
        return mark_safe("–")  # noqa: S308 - a constant
    if cell.excused:
        body = format_html(
            '<span class="cell-excused" title="{}">{}</span>',
            gettext("excused: not in the total"),
            gettext("excused"),
        )
    elif cell.missing:
        body = format_html('<span class="cell-missing" title="{}">–</span>', gettext("missing: counts as 0"))
    elif cell.submission_id and link:
        late = ""
        if cell.late_days:
            late = ngettext("%(days)d day late", "%(days)d days late", cell.late_days) % {
                "days": cell.late_days
            }
        body = format_html(
            '<a href="{}"{}{}>{}</a>',
            reverse("grader:submission", args=[cell.submission_id]),
            mark_safe(' class="cell-late"') if late else "",  # noqa: S308 - a constant
            format_html(' title="{}"', late) if late else "",
            number_text(cell.points),
        )
    else:
        body = format_html("{}", number_text(cell.points))
    marks = ""
    if cell.overridden:
        marks += format_html('<span title="{}">*</span>', gettext("override"))
    if cell.extension_days:
        marks += format_html('<span title="{}">+</span>', gettext("extension"))
    return mark_safe(body + marks)  # noqa: S308 - both parts are escaped above


@register.filter
def get_index(sequence, index: int):
    return sequence[index]
