"""CSV and XLSX exports of a gradebook, keyed by Neptun code (the shape the university's system takes:
Neptun code, name, one column per game / assignment / milestone, the category percentages, the total, the
signature, the offered grade and the 1–5 mark).
Each column's header is its code and full name with its maximum (``HW2 CNN on CIFAR-10 (10)``).

The numbers are the page's: the same ``number_text`` formats both.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core.gradebook_sources import SourceColumn
from core.points import number_text
from gradebook.arithmetic import Category, Cell
from gradebook.marks import Standing
from gradebook.selectors import Gradebook

CATEGORY_LABELS = {
    Category.QUIZ: "Quizzes %",
    Category.ASSIGNMENT: "Homework %",
    Category.MILESTONE: "Project %",
}
EXCUSED_TEXT = "excused"


def cell_text(cell: Cell) -> str:
    return EXCUSED_TEXT if cell.excused else number_text(cell.points)


def column_label(column: SourceColumn) -> str:
    return f"{column.code} {column.title} ({number_text(column.max_points)})"


def export_header(gradebook: Gradebook) -> list[str]:
    return [
        _("Neptun code"),
        _("Name"),
        *[column_label(c) for c in gradebook.columns],
        *[CATEGORY_LABELS[c] for c in Category],
        _("Total %"),
        _("Signature"),
        _("Offered grade"),
        _("Mark"),
    ]


SIGNATURE_TEXT = {"met": "yes", "failed": "refused", "open": "open"}


def standing_texts(standing: Standing | None) -> list[str]:
    """Signature (yes / refused / open), the offered grade (a mark, "exam" or empty while open), the mark."""
    if standing is None:
        return ["", "", ""]
    offered = (
        str(standing.offered_mark)
        if standing.offered_mark
        else ("exam" if standing.offered == "failed" else "")
    )
    return [
        SIGNATURE_TEXT[standing.signature],
        offered,
        "" if standing.mark is None else str(standing.mark),
    ]


def export_rows(gradebook: Gradebook) -> list[list[str]]:
    """The export's rows as text, in Neptun code order."""
    return [
        [
            row.neptun_code,
            row.name,
            *[cell_text(cell) for cell in row.cells],
            *[number_text(row.total.by_category.get(c)) for c in Category],
            number_text(row.total.percent),
            *standing_texts(row.standing),
        ]
        for row in sorted(gradebook.rows, key=lambda r: r.neptun_code)
    ]


def gradebook_csv(*, gradebook: Gradebook) -> str:
    """UTF-8 text with a BOM (so Excel reads the accents), comma-separated, one line per student."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(export_header(gradebook))
    writer.writerows(export_rows(gradebook))
    return out.getvalue()


def _xlsx_value(text: str) -> str | float | int | None:
    if text == "":
        return None
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    return int(number) if number == number.to_integral_value() else float(number)


def gradebook_xlsx(*, gradebook: Gradebook) -> bytes:
    """One sheet, the CSV's columns; numbers as numbers, Neptun codes as text."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = gradebook.course.code[:31]
    sheet.append(export_header(gradebook))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export_rows(gradebook):
        sheet.append([row[0], row[1], *[_xlsx_value(v) for v in row[2:]]])
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 28
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
