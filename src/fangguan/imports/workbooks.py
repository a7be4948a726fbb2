"""Workbooks the imports app writes: a kind's template (headings, one example row, a notes sheet
explaining every column) — the layout ``reading.py`` accepts back, merged headings included."""

from __future__ import annotations

import io
import re
from itertools import groupby

from django.utils.translation import gettext as _

from fangguan.core.exports import append_row, put

from .reading import NOTES_SHEETS
from .specs import ImportSpec

NOTES_TITLE = "填写说明"
assert NOTES_TITLE in NOTES_SHEETS


def template_workbook(spec: ImportSpec) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", str(spec.label))[:31]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    column = 1
    for group, cols in groupby(spec.columns, key=lambda c: str(c.group or "")):
        cols = list(cols)
        first = column
        for col in cols:
            cell = put(sheet, 2, column, col.header)
            cell.font, cell.fill, cell.alignment = bold, fill, centre
            put(sheet, 3, column, col.example if col.example != "" else None)
            sheet.column_dimensions[get_column_letter(column)].width = max(10, len(col.header) * 2 + 4)
            column += 1
        if group:
            top = put(sheet, 1, first, group)
            top.font, top.fill, top.alignment = bold, fill, centre
            if column - 1 > first:
                sheet.merge_cells(start_row=1, start_column=first, end_row=1, end_column=column - 1)
        else:  # no group: the heading spans both heading rows
            for i in range(first, column):
                header = sheet.cell(row=2, column=i).value
                put(sheet, 2, i, None)
                top = put(sheet, 1, i, header)
                top.font, top.fill, top.alignment = bold, fill, centre
                sheet.merge_cells(start_row=1, start_column=i, end_row=2, end_column=i)
    sheet.freeze_panes = "A3"

    notes = book.create_sheet(NOTES_TITLE)
    append_row(notes, [_("Column"), _("Required"), _("What to write"), _("Meaning")])
    for cell in notes[1]:
        cell.font = bold
    for col in spec.columns:
        append_row(notes, [col.header, _("yes") if col.required else _("no"), str(col.allowed or ""), str(col.help or "")])
    append_row(notes, [])
    for line in (
        _("Row 3 of the first sheet is an example: replace it with your rows."),
        _("A row with an id updates that record; a row without an id is matched by its natural key and created if there is none."),
        _("A cell with * (a masked value from an export) means: leave unchanged."),
        _("Dates: 2020-12-31, 2020/12/31, 2020年12月31日 or an Excel date. Areas in ㎡ with up to 2 decimals."),
        _("Save as .xlsx, or as CSV in UTF-8 or GBK."),
    ):
        append_row(notes, [line])
    for letter, width in zip("ABCD", (18, 8, 48, 60), strict=True):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
