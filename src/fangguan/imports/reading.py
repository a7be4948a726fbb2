"""Reading an uploaded file: what it really is, its encoding, its header, then its rows.

- The format comes from the name *and* the content: a ``.xlsx`` must be a zip (a workbook), a
  ``.csv`` must be text; anything else is refused before a row is read.
- CSV is streamed: the encoding (UTF-8, UTF-8 with BOM or GBK) is detected by charset-normalizer
  on the first 64 KB, restricted to the encodings we accept, then the file is decoded as it is
  read, so memory does not grow with the file.
- .xlsx is streamed too (openpyxl's read-only mode: the sheet's XML is parsed as rows are read;
  the shared-strings table, each distinct text once, is the part held whole). Formula cells give
  their cached value.
- The header is the first row, or the first two rows of the templates' own layout (group
  headings merged across columns in row 1, column headings in row 2; a column without a group is
  merged down over both rows, so its heading is in row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

SAMPLE_BYTES = 64 * 1024
ACCEPTED_ENCODINGS = ["utf_8", "gb18030"]  # gb18030 reads GBK and GB2312 files too
REASON_HEADER = "错误原因"  # the error sheet's reason column: ignored on re-upload
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class FileProblem(Exception):
    """The file as a whole cannot be read: nothing is imported (message in the user's language)."""

    def __init__(self, message: str, row: int = 0, column: str = ""):
        super().__init__(message)
        self.message, self.row, self.column = message, row, column


def file_format(name: str) -> str:
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xls"):
        raise FileProblem(_("Old .xls workbooks cannot be read: save the file as .xlsx (Excel workbook) or CSV."))
    raise FileProblem(_("Only .xlsx and .csv files can be imported."))


def sniff(name: str, head: bytes) -> str:
    """The format the name claims, if the first bytes agree; else a FileProblem."""
    fmt = file_format(name)
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        raise FileProblem(_("The file is empty."))
    if fmt == "xlsx" and not head.startswith(ZIP_MAGIC):
        raise FileProblem(_("The file is named .xlsx but is not an Excel workbook."))
    if fmt == "csv" and (head.startswith((ZIP_MAGIC, OLE_MAGIC)) or b"\x00" in head[:4096]):
        raise FileProblem(_("The file is named .csv but is not a text file (is it a workbook renamed?)."))
    return fmt


def detect_encoding(sample: bytes) -> str:
    """The Python codec of a CSV sample, as charset-normalizer finds it among the accepted ones."""
    cut = sample.rfind(b"\n")
    if len(sample) == SAMPLE_BYTES and cut > 0:
        sample = sample[: cut + 1]  # never judge by a character cut in half
    best = from_bytes(sample, cp_isolation=ACCEPTED_ENCODINGS).best()
    if best is None:
        raise FileProblem(_("The text encoding of the file is not UTF-8 or GBK."))
    if best.encoding == "utf_8":
        return "utf-8-sig"  # reads files with and without a BOM alike
    return best.encoding


def header_key(text: Any) -> str:
    """A header as it is matched: full-width folded, no spaces, no required-mark asterisk."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(value.split()).rstrip("*").lower()


@dataclass
class Table:
    """An opened file: its format and encoding, which column each cell index holds, and rows."""

    fmt: str
    encoding: str
    headers: list[str]  # as written in the file
    columns: list[Any]  # per cell index: the spec's Column, or None (ignored)
    rows: Iterator[tuple[int, list[Any]]]  # (spreadsheet row number, raw cells)
    total: int | None = None  # data rows, when known in advance (xlsx)
    position: Any = None  # callable -> fraction read (csv)
    header_rows: int = 1
    handle: Any = None
    demo_row: int | None = None  # the row of an export's 演示数据 mark, skipped (``core.demomark``)


def match_header(cells: list[Any], spec) -> tuple[list[Any], list[str]]:
    """Map header cells to the spec's columns; problems (unknown, missing, repeated) as messages."""
    known = spec.header_map()
    columns, problems, seen = [], [], set()
    for cell in cells:
        key = header_key(cell)
        if not key or key == header_key(REASON_HEADER):
            columns.append(None)
            continue
        col = known.get(key)
        if col is None:
            problems.append(_("Unknown column 「%(header)s」.") % {"header": str(cell).strip()})
        elif col.header in seen:
            problems.append(_("The column 「%(header)s」 appears twice.") % {"header": col.header})
        else:
            seen.add(col.header)
        columns.append(col)
    for col in spec.columns:
        if col.required and col.header not in seen:
            problems.append(_("The required column 「%(header)s」 is missing.") % {"header": col.header})
    return columns, problems


def _find_header(first: list[Any], second: list[Any] | None, spec) -> tuple[list[Any], list[Any], int]:
    columns, problems = match_header(first, spec)
    if not problems:
        return first, columns, 1
    if second is not None:
        width = max(len(first), len(second))
        merged = [
            (second[i] if i < len(second) and str(second[i] or "").strip() else (first[i] if i < len(first) else ""))
            for i in range(width)
        ]
        columns2, problems2 = match_header(merged, spec)
        if not problems2:
            return merged, columns2, 2
    raise FileProblem(" ".join(problems), row=1)


def _past_demo_mark(first, rows) -> tuple[tuple[int, list[Any]] | None, int | None]:
    """An export made while the database held the generated demo starts with a 演示数据 row
    (``core.demomark``): it is not the header and never a record. Skipped — the next non-empty
    row is the header — and its row number returned, so the job says it was skipped."""
    from fangguan.core.demomark import is_export_mark

    if first is None or not first[1] or not is_export_mark(first[1][0]):
        return first, None
    return next(((n, _trim(r)) for n, r in rows if _trim(r)), None), first[0]


def _trim(cells: list[Any]) -> list[Any]:
    end = len(cells)
    while end and (cells[end - 1] is None or (isinstance(cells[end - 1], str) and not cells[end - 1].strip())):
        end -= 1
    return list(cells[:end])


def open_table(fh: IO[bytes], name: str, spec) -> Table:
    """Open ``fh`` (binary, seekable) as a table of ``spec``'s kind, or raise FileProblem."""
    head = fh.read(SAMPLE_BYTES)
    fmt = sniff(name, head)
    fh.seek(0)
    if fmt == "csv":
        return _open_csv(fh, head, spec)
    return _open_xlsx(fh, spec)


def _open_csv(fh: IO[bytes], head: bytes, spec) -> Table:
    encoding = detect_encoding(head)
    size = fh.seek(0, io.SEEK_END) or 1
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    reader = csv.reader(text)
    number = 0

    def records() -> Iterator[tuple[int, list[Any]]]:
        nonlocal number
        try:
            for record in reader:
                number += 1
                yield number, record
        except UnicodeDecodeError:
            raise FileProblem(_("Row %(row)s cannot be decoded as %(encoding)s.") % {
                "row": number + 1, "encoding": encoding.upper()}, row=number + 1) from None
        except csv.Error as exc:
            raise FileProblem(_("Row %(row)s is not valid CSV (%(problem)s).") % {
                "row": number + 1, "problem": exc}, row=number + 1) from None

    it = records()
    first = next(((n, _trim(r)) for n, r in it if _trim(r)), None)
    first, demo_row = _past_demo_mark(first, it)
    if first is None:
        raise FileProblem(_("The file has no header row."))
    header_at, first_cells = first
    # a second header row is only looked at when the first one does not match on its own
    try:
        headers, columns, rows_used = _find_header(first_cells, None, spec)
        pending: list[tuple[int, list[Any]]] = []
    except FileProblem:
        second = next(it, None)
        if second is None:
            raise
        headers, columns, rows_used = _find_header(first_cells, _trim(second[1]), spec)
        pending = [] if rows_used == 2 else [second]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield from pending
        for n, record in it:
            if "".join(record).strip():  # some cell is not blank
                yield n, record

    def position() -> float:
        try:
            return min(1.0, fh.tell() / size)
        except ValueError:  # closed: read to the end
            return 1.0

    table = Table(fmt="csv", encoding=encoding, headers=[str(h) for h in headers], columns=columns, rows=rows(),
                  position=position, header_rows=rows_used, demo_row=demo_row)
    table.handle = text  # the decoder closes the file when it is collected: keep it while rows are read
    return table


def _open_xlsx(fh: IO[bytes], spec) -> Table:
    """Rows are streamed from the sheet's XML (openpyxl's read-only mode), so memory does not grow
    with the number of rows; what stays in memory is the workbook's shared-strings table (each
    distinct text once). Cells come as python-calamine gave them before — numbers as float, dates
    as date, empty cells as "" — so the parsers, the notes and the error sheet see the same values.
    """
    import zipfile

    from openpyxl import load_workbook

    from fangguan.core.archives import ArchiveRefused, check_archive

    try:
        check_archive(fh)  # again here: whatever stored the file, nothing expands past the limits
    except ArchiveRefused as exc:
        raise FileProblem(" ".join(exc.messages)) from None

    def unreadable(exc: Exception) -> FileProblem:
        return FileProblem(_("The workbook cannot be read (%(problem)s).") % {"problem": type(exc).__name__})

    try:
        book = load_workbook(fh, read_only=True, data_only=True)
        names = book.sheetnames
        data_sheets = [n for n in names if n not in NOTES_SHEETS] or names
        sheet = book[data_sheets[0]]
        # the size the sheet declares (progress, and the width rows are padded to, as calamine
        # did); not trusted for where to stop: some writers declare less than they wrote
        height, width = sheet.max_row or None, sheet.max_column or 0
        sheet.reset_dimensions()
        it = iter(sheet.iter_rows(min_row=1, values_only=True))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise unreadable(exc) from None
    except Exception as exc:  # the XML parser's own errors for damaged files
        raise unreadable(exc) from None

    def numbered():
        number = 0
        try:
            for cells in it:
                number += 1
                yield number, _as_calamine(cells, width)
        except FileProblem:
            raise
        except Exception as exc:  # damaged XML found part-way through the sheet
            raise unreadable(exc) from None
        finally:
            book.close()

    rows_in = numbered()
    first = next(((n, _trim(r)) for n, r in rows_in if _trim(r)), None)
    first, demo_row = _past_demo_mark(first, rows_in)
    if first is None:
        raise FileProblem(_("The file is empty."))
    header_at, first_cells = first
    second = next(rows_in, None)
    headers, columns, rows_used = _find_header(first_cells, _trim(second[1]) if second else None, spec)
    pending = [second] if (second is not None and rows_used == 1) else []
    total = max(0, height - header_at - (rows_used - 1)) if height else None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for n, cells in pending:
            if _trim(cells):
                yield n, cells
        for n, cells in rows_in:
            if _trim(cells):
                yield n, cells

    return Table(fmt="xlsx", encoding="", headers=[str(h) for h in headers], columns=columns, rows=rows(),
                 total=total, header_rows=rows_used, demo_row=demo_row)


def _as_calamine(cells: tuple, width: int) -> list[Any]:
    """openpyxl's cell values in python-calamine's conventions (what the rest was written for):
    whole numbers as float, a date-formatted cell at midnight as a date, empty as "", every row
    as wide as the sheet."""
    out = []
    for value in cells:
        if value is None:
            value = ""
        elif value.__class__ is int:
            value = float(value)
        elif value.__class__ is dt.datetime and not (value.hour or value.minute or value.second or value.microsecond):
            value = value.date()
        out.append(value)
    if len(out) < width:
        out.extend([""] * (width - len(out)))
    return out


NOTES_SHEETS = {"填写说明", "Notes"}


_CELL_WITH_FORMULA = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*><f[\s>/]')


def formula_cells(fh: IO[bytes], sheet_index: int = 0) -> set[tuple[int, int]]:
    """(row number, column index) of every formula cell of a workbook's data sheet, found in the
    sheet's XML (calamine gives their cached values but does not say which cells had formulas)."""
    import zipfile

    from fangguan.core.archives import ArchiveRefused, check_archive

    found: set[tuple[int, int]] = set()
    try:
        check_archive(fh)
    except ArchiveRefused:
        return found  # open_table refuses the file with the reason
    try:
        with zipfile.ZipFile(fh) as book:
            names = sorted((n for n in book.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                           key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)))
            if not names:
                return found
            with book.open(names[min(sheet_index, len(names) - 1)]) as xml:
                tail = b""
                while chunk := xml.read(1 << 20):
                    data = tail + chunk
                    for m in _CELL_WITH_FORMULA.finditer(data):
                        found.add((int(m.group(2)), _column_index(m.group(1).decode())))
                    tail = data[-300:]
    except (zipfile.BadZipFile, KeyError, OSError):
        return found
    finally:
        fh.seek(0)
    return found


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1
