"""Writing lists out as CSV (UTF-8 with BOM, so Excel opens it) or .xlsx — and the one place a
value becomes a spreadsheet cell.

Rows come from a queryset the caller has already scoped and filtered; this module only turns
them into a file. CSV streams row by row, so a large export does not build up in memory.

**Formula injection** (CWE-1236): a text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a formula to Excel and WPS. Every cell the platform writes — exports, error
sheets, templates, reports — goes through ``csv_cell`` (CSV: such a text gets a leading ``'``, as
OWASP recommends) or ``append_row`` / ``put`` (.xlsx: every text is written as a text cell, never
as a formula). ``tests/test_formula_injection.py`` checks every file the platform produces and that
no other module writes cells itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# The system id's heading in list files: Chinese like every other (it was "id"; imports still read that).
SYSTEM_ID = "系统编号"

# What makes a spreadsheet program read a text as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    """A value as a spreadsheet holds it: numbers, dates and texts as they are, yes/no for a flag,
    a related record by its name, a translated label or any other object as its text, and a moment
    in local time (Excel has no time zones; openpyxl refuses an aware datetime)."""
    if value is None:
        return ""
    if isinstance(value, dict):  # a related record: its name
        return value.get("name", "")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, str | int | float | Decimal | dt.date | dt.time):
        return value
    return str(value)  # a lazy translation (a label), a UUID, an address …


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: a text a spreadsheet would run as a formula gets a leading ``'``."""
    value = _cell(value)
    if looks_like_formula(value):
        return "'" + value
    return value


def _text_cell(sheet, value: Any):
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    cell = WriteOnlyCell(sheet, value) if isinstance(sheet, WriteOnlyWorksheet) else Cell(sheet, value=value)
    cell.data_type = "s"  # a text cell: openpyxl would turn a leading "=" into a formula
    return cell


def _xml_safe(value: Any) -> Any:
    """A text without the control characters XML cannot hold (openpyxl refuses them and the whole
    export would fail on one resident's pasted address); they are dropped, the rest kept."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def xlsx_value(sheet, value: Any) -> Any:
    """A value as an .xlsx cell of ``sheet``: texts always as text, never as formulas."""
    value = _xml_safe(_cell(value))
    if isinstance(value, str) and value:
        return _text_cell(sheet, value)
    return value


def append_row(sheet, values: Iterable[Any]) -> None:
    """Append one row to an openpyxl worksheet (normal or write-only), texts as text cells."""
    sheet.append([xlsx_value(sheet, v) for v in values])


def put(sheet, row: int, column: int, value: Any):
    """Set one cell of a normal worksheet (text as text) and return it for styling."""
    cell = sheet.cell(row=row, column=column)
    value = _xml_safe(_cell(value)) if value is not None else None
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _preambles(preamble: list[str] | None) -> list[list[str]]:
    """The rows before the header: the demo mark while the database holds the generated demo
    (``core.demomark``: every export says so, in its first row), then the caller's own (a clear
    export's watermark)."""
    from .demomark import export_mark

    mark = export_mark()
    return ([[mark]] if mark else []) + ([preamble] if preamble else [])


def csv_lines(headers: list[str], rows: Iterable[list[Any]], *, preamble: list[str] | None = None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    first = "\ufeff"
    for before in _preambles(preamble):
        yield first + writer.writerow([csv_cell(v) for v in before])
        first = ""
    yield first + writer.writerow([csv_cell(v) for v in headers])
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


# The most rows an .xlsx worksheet holds (the format's and Excel's limit, 2**20). openpyxl writes
# past it without a word, and Excel and WPS then call the whole file corrupt: a longer list goes on
# in further sheets instead (``xlsx_book``). Read at each call, so a test can lower it.
XLSX_MAX_ROWS = 1_048_576


def xlsx_book(filename: str, headers: list[str], rows: Iterable[list[Any]], *, preamble: list[str] | None = None,
              sheet: str | None = None):
    """A write-only workbook: the headers, then the rows. Write-only: openpyxl spools each row to
    a temporary file as it is appended, so memory stays flat however many rows there are
    (``bench/export_memory.py``). ``sheet`` names the sheet in the user's words (小区), where the
    file name is a plain slug (estates-20261205-1330).

    A sheet holds at most ``XLSX_MAX_ROWS`` rows: past that the list goes on in a new sheet
    ("住房 (2)", "住房 (3)" …), each starting with the same rows before the header (the demo mark,
    a watermark) and the header — every sheet reads on its own, and every row is in the file once."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    before = _preambles(preamble)
    per_sheet = XLSX_MAX_ROWS - len(before) - 1  # data rows a sheet has room for
    if per_sheet < 1:
        raise ValueError(f"XLSX_MAX_ROWS ({XLSX_MAX_ROWS}) leaves no room for rows after the header")

    def new_sheet(number: int):
        ws = book.create_sheet(_sheet_title(sheet or filename, number))
        for line in before:
            append_row(ws, line)
        append_row(ws, headers)
        return ws

    number, used = 1, 0
    ws = new_sheet(number)
    for row in rows:
        if used == per_sheet:
            number, used = number + 1, 0
            ws = new_sheet(number)
        append_row(ws, row)
        used += 1
    return book


def _sheet_title(text: str, number: int = 1) -> str:
    """A worksheet's title: at most 31 characters, none of those Excel refuses; the ``number``-th
    sheet of one list ends in " (n)" (kept whole when the name is cut)."""
    suffix = f" ({number})" if number > 1 else ""
    base = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(text))[:31 - len(suffix)] or "Sheet"
    return base + suffix


def write_file(path, fmt: str, name: str, headers: list[str], rows: Iterable[list[Any]], *,
               preamble: list[str] | None = None, sheet: str | None = None) -> None:
    """Write a list to ``path`` on disk (a background export), row by row as ``rows`` yields them —
    the same cells as a download (``csv_lines`` / ``xlsx_book``), so an immediate and a background
    export of the same rows are the same file."""
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            for line in csv_lines(headers, rows, preamble=preamble):
                fh.write(line)
        return
    xlsx_book(name, headers, rows, preamble=preamble, sheet=sheet).save(path)


def file_response(fmt: str, filename: str, headers: list[str], rows: Iterable[list[Any]], *, sheet: str | None = None):
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(headers, rows), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
        add_never_cache_headers(response)
        return response
    return workbook_response(xlsx_book(filename, headers, rows, sheet=sheet), filename)


def mark_demo(book) -> None:
    """A report's own workbook (dashboard, plan): while the database holds the generated demo, each
    of its sheets starts with the demo mark's row, the rest moved one row down. Write-only sheets
    (lists: ``xlsx_book``) have it already."""
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from .demomark import export_mark

    mark = export_mark()
    if not mark:
        return
    for sheet in book.worksheets:
        if isinstance(sheet, WriteOnlyWorksheet):
            continue
        sheet.insert_rows(1)
        for merged in sheet.merged_cells.ranges:
            merged.shift(0, 1)
        if sheet.freeze_panes:
            column, row = sheet.freeze_panes.rstrip("0123456789"), int(sheet.freeze_panes.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            sheet.freeze_panes = f"{column}{row + 1}"
        put(sheet, 1, 1, mark)


def workbook_response(book, filename: str) -> FileResponse:
    """An openpyxl workbook as a ``filename``.xlsx download, spooled to disk past 16 MiB; a
    report's sheets carry the demo mark first (``mark_demo``)."""
    mark_demo(book)
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    book.save(spool)
    spool.seek(0)
    response = FileResponse(spool, content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    add_never_cache_headers(response)  # exports hold personal and scoped data
    return response


__all__ = ["mark_demo", "file_response", "write_file", "xlsx_book", "csv_lines", "workbook_response", "CONTENT_TYPES", "csv_cell", "append_row", "put", "xlsx_value",
           "looks_like_formula", "FORMULA_START", "XLSX_MAX_ROWS"]
