"""Writing lists out as CSV (UTF-8 with BOM, so Excel opens it) or .xlsx.

Rows come from a queryset the caller has already scoped and filtered; this module only turns
them into a file. CSV streams row by row, so a large export does not build up in memory.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if isinstance(value, dict):  # a related record: its name
        return value.get("name", "")
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else value


def csv_lines(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def file_response(fmt: str, filename: str, headers: list[str], rows: Iterable[list[Any]]):
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(headers, rows), content_type=CONTENT_TYPES["csv"])
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(filename[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append([_cell(v) for v in row])
        return workbook_response(book, filename)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def workbook_response(book, filename: str) -> FileResponse:
    """An openpyxl workbook as a ``filename``.xlsx download, spooled to disk past 16 MiB."""
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    book.save(spool)
    spool.seek(0)
    response = FileResponse(spool, content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


__all__ = ["file_response", "workbook_response", "CONTENT_TYPES"]
