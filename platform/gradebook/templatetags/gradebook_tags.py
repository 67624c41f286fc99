"""Template helpers of the gradebook's table; ``points`` and ``gradebook_cell`` live in ``core``'s
``grades`` library (the apps' history sections use them too) and are re-registered here."""

from decimal import Decimal

from django import template
from django.utils.safestring import SafeString, mark_safe

from core.gradebook_sources import Cell
from core.templatetags.grades import gradebook_cell, points

register = template.Library()
register.filter("points", points)
register.simple_tag(gradebook_cell, takes_context=True, name="gradebook_cell")


@register.filter
def category_percent(total, category: str) -> Decimal | None:
    return total.by_category.get(category)


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def get_index(sequence, index: int):
    return sequence[index]


@register.simple_tag(takes_context=True)
def gradebook_td(context, cell: Cell) -> SafeString:
    """The table cell around ``gradebook_cell`` (highlighted when adjusted)."""
    adjusted = " cell-adjusted" if cell.overridden or cell.extension_days else ""
    return mark_safe(f'<td class="num{adjusted}">{gradebook_cell(context, cell)}</td>')  # noqa: S308
