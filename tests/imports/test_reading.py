"""What real files contain: encodings, formats, headers, and the cells normalised on the way in."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from fangguan.core.models import ChangeLog
from fangguan.imports import cells
from fangguan.imports.specs import get_spec
from fangguan.imports.workbooks import template_workbook
from fangguan.registry import models as m

from .conftest import FILES, csv_bytes, problems, xlsx_bytes

HOMES = ["小区编码", "楼号", "单元", "室号", "楼层", "专有面积(㎡)", "用途"]


def home_rows(*rooms, area="88.50"):
    return [HOMES] + [["IMP001", "1号", "1", room, "1", area, "住宅"] for room in rooms]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_or_gbk(place, run_import, encoding):
    job = run_import("admin", "homes", csv_bytes(home_rows("101", "102"), encoding=encoding))
    assert problems(job) == [] and job.created == 2
    assert set(m.Home.objects.filter(building=place.building).values_list("room_number", flat=True)) == {"101", "102"}


def test_xlsx_written_by_code(place, run_import):
    job = run_import("admin", "homes", xlsx_bytes(home_rows("201")), name="homes.xlsx")
    assert (job.status, job.created) == ("succeeded", 1)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("homes.csv", b"", "empty"),
    ("homes.csv", b"\xef\xbb\xbf\r\n", "empty"),
    ("homes.xlsx", "小区编码,楼号\n".encode(), "not an Excel workbook"),
    ("homes.csv", xlsx_bytes(home_rows("1")), "not a text file"),
    ("homes.xls", b"\xd0\xcf\x11\xe0rest", ".xls"),
    ("homes.txt", b"a,b\n", "Only .xlsx and .csv"),
])
def test_files_that_are_not_what_they_say_are_refused_before_anything_is_stored(place, run_import, name, content,
                                                                                 message):
    from django.utils import translation

    from fangguan.imports.models import ImportJob

    jobs = ImportJob.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        run_import("admin", "homes", content, name=name)
    assert message in " ".join(exc.value.messages)
    assert ImportJob.objects.count() == jobs


def test_a_file_over_the_size_limit_is_refused(place, run_import, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        run_import("admin", "homes", csv_bytes(home_rows(*[str(i) for i in range(20)])))
    assert "20" not in exc.value.messages[0] or "MB" in exc.value.messages[0]


def test_a_damaged_workbook_is_refused_at_upload_not_a_server_error(place, run_import):
    """Refused before it is stored since the archive check (issue 14); the reader refuses it too."""
    from django.core.exceptions import ValidationError

    from fangguan.imports.models import ImportJob

    jobs = ImportJob.objects.count()
    with pytest.raises(ValidationError):
        run_import("admin", "homes", b"PK\x03\x04" + b"\x00" * 200, name="homes.xlsx")
    assert ImportJob.objects.count() == jobs


@pytest.mark.parametrize(("header", "expected"), [
    (["小区编码", "楼号", "室号", "楼层", "专有面积(㎡)", "颜色"], "颜色"),  # unknown column
    (["小区编码", "楼号", "室号", "专有面积(㎡)"], "楼层"),  # required column missing
    (["小区编码", "楼号", "室号", "室号", "楼层", "专有面积(㎡)"], "室号"),  # twice
])
def test_wrong_or_missing_headers_fail_the_job_and_write_nothing(place, run_import, header, expected):
    logs = ChangeLog.objects.count()
    job = run_import("admin", "homes", csv_bytes([header, ["IMP001", "1号", "301", "3", "80", "x"]]))
    assert job.status == "failed" and not job.applied
    assert job.errors[0]["row"] == 1 and expected in job.errors[0]["message"]
    assert not m.Home.objects.filter(building=place.building).exists() and ChangeLog.objects.count() == logs


def test_header_only_file_fails(place, run_import):
    job = run_import("admin", "homes", csv_bytes([HOMES]))
    assert job.status == "failed" and job.errors[0]["row"] == 2


def test_workbook_written_by_libreoffice_formulas_dates_widths_spaces(place, run_import):
    """A real .xlsx saved by a spreadsheet program: formula cells give their cached values; dates
    as date cells, Excel serials, 2020/12/31 and 2020年12月31日; full-width digits; spaces."""
    content = (FILES / "estates-libreoffice.xlsx").read_bytes()
    job = run_import("admin", "estates", content, name="estates.xlsx", dry_run=True)
    assert problems(job) == [] and job.created == 4
    assert not m.Estate.objects.filter(code__startswith="IMPX").exists()  # a dry run writes nothing
    notes = {(n["column"], n["what"]): n for n in job.notes}
    assert notes[("建筑面积(㎡)", str(cells.N_WIDTH))]["row"] == 3
    kinds = {n["what"] for n in job.notes}
    assert {str(cells.N_SERIAL), str(cells.N_SPACES)} <= kinds
    assert any("公式" in k or "formula" in k for k in kinds)
    assert any("2020年12月31日" in k for k in kinds) and any("2020/12/31" in k for k in kinds)

    job = run_import("admin", "estates", content, name="estates.xlsx")
    assert job.applied and job.created == 4
    estates = {e.code: e for e in m.Estate.objects.filter(code__startswith="IMPX")}
    assert {e.delivered_on for e in estates.values()} == {dt.date(2020, 12, 31)}
    assert estates["IMPX01"].floor_area_m2 == Decimal("10000") and estates["IMPX01"].land_area_m2 == Decimal("8000")
    assert estates["IMPX02"].floor_area_m2 == Decimal("12345.6")
    assert estates["IMPX04"].floor_area_m2 == Decimal("15000")
    assert estates["IMPX01"].name_pinyin  # what save() derives, bulk writes derive too


def test_template_layout_with_merged_headings_saved_by_libreoffice(place, run_import):
    job = run_import("admin", "homes", (FILES / "homes-template-libreoffice.xlsx").read_bytes(), name="t.xlsx")
    assert problems(job) == [] and job.created == 2
    home = m.Home.objects.get(building=place.building, room_number="102")
    assert (home.floor, home.area_m2) == (1, Decimal("90.00"))  # both formulas


def test_a_formula_without_a_cached_value_is_an_error(place, run_import):
    rows = home_rows("401")
    rows[1][4] = "=1+0"  # openpyxl writes the formula without computing it
    job = run_import("admin", "homes", xlsx_bytes(rows), name="h.xlsx", dry_run=True)
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "楼层")]


def test_the_template_itself(place, run_import):
    """Headings in the template's own layout, an example row, and a notes sheet for every column."""
    import io

    from openpyxl import load_workbook

    for spec in ("estates", "areas", "buildings", "homes", "people", "companies", "contracts", "committees",
                 "facilities"):
        content = template_workbook(get_spec(spec))
        book = load_workbook(io.BytesIO(content))
        data, notes = book.worksheets
        assert notes.title == "填写说明"
        assert data.merged_cells.ranges
        headers = [c.header for c in get_spec(spec).columns]
        assert [r[0].value for r in notes.iter_rows(min_row=2, max_row=len(headers) + 1)] == headers
    # the homes template read back as it is (its example row points at an estate that does not exist)
    job = run_import("admin", "homes", template_workbook(get_spec("homes")), name="t.xlsx", dry_run=True)
    assert job.status == "succeeded" and job.failed == 1 and job.errors[0]["row"] == 3


@pytest.mark.parametrize(("raw", "value", "noted"), [
    ("2020-12-31", dt.date(2020, 12, 31), False),
    ("2020/12/31", dt.date(2020, 12, 31), True),
    ("2020年12月31日", dt.date(2020, 12, 31), True),
    ("２０２０年１２月３１日", dt.date(2020, 12, 31), True),
    (44196, dt.date(2020, 12, 31), True),
    (44196.0, dt.date(2020, 12, 31), True),
    (dt.datetime(2020, 12, 31, 8, 0), dt.date(2020, 12, 31), False),
])
def test_dates(raw, value, noted):
    parsed, note = cells.date(raw)
    assert parsed == value and bool(note) is noted


@pytest.mark.parametrize("raw", ["2020-02-30", "31/12/2020", "soon", True])
def test_dates_refused(raw):
    with pytest.raises(cells.CellError):
        cells.date(raw)


@pytest.mark.parametrize(("raw", "value"), [
    ("１２３.４５", Decimal("123.45")), (" 1 234.5 ", Decimal("1234.5")), ("1,234", Decimal("1234")),
    (88.5, Decimal("88.5")), (0.1 + 0.2, Decimal("0.30000000000000004")), (7, Decimal("7")),
])
def test_numbers(raw, value):
    assert cells.decimal(raw)[0] == value


def test_whole_numbers():
    assert cells.integer("１２")[0] == 12 and cells.integer(3.0)[0] == 3 and cells.integer("4.0")[0] == 4
    for raw in ("1.5", 2.5, "x", True):
        with pytest.raises(cells.CellError):
            cells.integer(raw)


def test_refusals_in_workbooks_written_by_libreoffice(place, run_import):
    job = run_import("admin", "homes", (FILES / "homes-refusals-libreoffice.xlsx").read_bytes(), name="h.xlsx")
    assert not job.applied and job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (3, ""), (4, "专有面积(㎡)"), (5, "专有面积(㎡)"), (6, "楼号")]
    assert not m.Home.objects.filter(building=place.building).exists()
    job = run_import("admin", "people", (FILES / "people-libreoffice.xlsx").read_bytes(), name="p.xlsx",
                     mode="valid_rows")
    assert (job.created, job.failed) == (1, 1)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "证件号码")]
    assert "校验" in job.errors[0]["message"]
    assert m.Person.objects.get(name="表格甲").phone_clear() == "13812345678"


def calamine_rows(content: bytes) -> list[tuple[int, list]]:
    """The rows as the reader gave them before it streamed: python-calamine, whole sheet. (Its
    ``iter_rows`` starts at the sheet's first row but at the first used column: the old reader
    numbered rows ``start + i + 1``, a row number too high by the empty rows above the data —
    the spreadsheet's own number is ``i + 1``, which the streamed reader gives.)"""
    from python_calamine import CalamineWorkbook

    from fangguan.imports.reading import NOTES_SHEETS, _trim

    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    sheet = book.get_sheet_by_name([n for n in book.sheet_names if n not in NOTES_SHEETS][0])
    _top, left = sheet.start or (0, 0)
    return [(i + 1, _trim([""] * left + list(cells))) for i, cells in enumerate(sheet.iter_rows())
            if _trim(list(cells))]


@pytest.mark.parametrize("name", ["estates-libreoffice.xlsx", "homes-refusals-libreoffice.xlsx",
                                  "homes-template-libreoffice.xlsx", "people-libreoffice.xlsx", "generated"])
def test_streamed_xlsx_rows_are_calamine_s(name):
    """The streamed .xlsx reader gives every row with the same number and the same cell values
    (types included) as python-calamine's whole-sheet read, on workbooks saved by LibreOffice and
    by code (numbers whole and not, dates, booleans, blank cells and rows, a sheet not at A1)."""
    from openpyxl import Workbook

    from fangguan.imports.reading import _trim, open_table
    from fangguan.imports.specs import get_spec

    if name == "generated":
        book = Workbook()
        ws = book.active
        rows = [HOMES, ["IMP001", "1号", 1, "101", 1, 88.5, "住宅"],
                ["IMP001", None, 2, 102.5, dt.date(2020, 1, 2), "", None], [None] * 7,
                ["IMP001", True, False, "", dt.datetime(2020, 1, 2, 3, 4), dt.datetime(2020, 1, 2), -3],
                ["x", 0, -3, 1e20, 12345678901, "  ", "'=1"]]
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                ws.cell(row=3 + i, column=3 + j, value=value)
        out = io.BytesIO()
        book.save(out)
        content = out.getvalue()
    else:
        content = (FILES / name).read_bytes()
    spec = get_spec("people" if name.startswith("people") else "estates" if name.startswith("estates") else "homes")
    table = open_table(io.BytesIO(content), "f.xlsx", spec)
    streamed = [(n, _trim(cells)) for n, cells in table.rows]
    expected = calamine_rows(content)[table.header_rows:]

    def typed(rows):  # a blank text is an empty cell to every parser; calamine drops its spaces
        return [(n, [(str, "") if isinstance(v, str) and not v.strip() else (type(v), v) for v in c]) for n, c in rows]

    assert typed(streamed) == typed(expected)
