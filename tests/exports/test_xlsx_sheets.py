"""An .xlsx sheet holds at most 1,048,576 rows (issue 18: 8 million homes as .xlsx). Past that,
``core.exports.xlsx_book`` goes on in a new sheet — "住房", "住房 (2)", … — each with the rows
before the header and the header, so that no sheet is longer than the format allows and every
row is in the file once. The limit is lowered here (the module constant, read at each call); the
oracle is openpyxl reading the file back and this file's own lists and ORM queries."""

from __future__ import annotations

import io

import openpyxl
import pytest

from fangguan.core import exports as core_exports
from fangguan.exports.choices import ExportStatus
from fangguan.exports.models import ExportJob
from fangguan.registry.models import Home
from tests.kit.files import without_mark

pytestmark = pytest.mark.django_db


def _sheets(content) -> list[tuple[str, list[tuple]]]:
    """(title, rows) of every sheet, read back by openpyxl (not by the code under test)."""
    book = openpyxl.load_workbook(content if not isinstance(content, bytes) else io.BytesIO(content), read_only=True)
    return [(ws.title, [tuple("" if v is None else v for v in r) for r in ws.iter_rows(values_only=True)])
            for ws in book.worksheets]


MARK = "演示数据：the records in this file are generated for demonstration."


@pytest.fixture
def mark(monkeypatch):
    """The demo mark's row switched on or off by the test (the demo database has it on)."""
    def set_mark(text):
        monkeypatch.setattr("fangguan.core.demomark.export_mark", lambda: text)
    set_mark(None)
    return set_mark


def test_the_real_limit_is_excels():
    assert core_exports.XLSX_MAX_ROWS == 2 ** 20 == 1_048_576


# (limit, data rows, the rows of each sheet as openpyxl reads them back) — written out by hand
@pytest.mark.parametrize(("limit", "rows", "lengths"), [
    (5, 0, [1]),           # the header alone
    (5, 4, [5]),           # exactly full: no empty second sheet
    (5, 5, [5, 2]),        # one row over
    (5, 11, [5, 5, 4]),    # 4 + 4 + 3 data rows
    (2, 3, [2, 2, 2]),     # one data row a sheet
])
def test_rows_past_the_limit_go_on_in_new_sheets_each_with_the_header(monkeypatch, mark, tmp_path, limit, rows,
                                                                      lengths):
    monkeypatch.setattr(core_exports, "XLSX_MAX_ROWS", limit)
    data = [[n, f"户{n}", "=1+1"] for n in range(rows)]
    book = core_exports.xlsx_book("homes-20261205", ["编号", "名称", "备注"], iter(data), sheet="住房")
    book.save(tmp_path / "f.xlsx")
    sheets = _sheets(tmp_path / "f.xlsx")
    assert [t for t, _ in sheets] == ["住房", "住房 (2)", "住房 (3)"][:len(lengths)]
    assert [len(r) for _, r in sheets] == lengths
    got = []
    for _title, sheet_rows in sheets:
        assert sheet_rows[0] == ("编号", "名称", "备注")
        got += [list(r) for r in sheet_rows[1:]]
    assert got == data  # every row once, in order, the formula-like text kept as text


def test_the_rows_before_the_header_repeat_on_every_sheet_and_count_against_the_limit(monkeypatch, mark, tmp_path):
    mark(MARK)
    monkeypatch.setattr(core_exports, "XLSX_MAX_ROWS", 4)  # mark, watermark, header: one data row a sheet
    core_exports.xlsx_book("x", ["编号"], iter([[n] for n in range(3)]), preamble=["仅供核对"], sheet="住房").save(
        tmp_path / "f.xlsx")
    assert _sheets(tmp_path / "f.xlsx") == [
        ("住房", [(MARK,), ("仅供核对",), ("编号",), (0,)]),
        ("住房 (2)", [(MARK,), ("仅供核对",), ("编号",), (1,)]),
        ("住房 (3)", [(MARK,), ("仅供核对",), ("编号",), (2,)]),
    ]


def test_a_limit_with_no_room_for_rows_is_refused(monkeypatch, mark):
    mark(MARK)
    monkeypatch.setattr(core_exports, "XLSX_MAX_ROWS", 2)
    with pytest.raises(ValueError, match="no room"):
        core_exports.xlsx_book("x", ["编号"], iter([[1]]))


def test_a_long_name_keeps_its_number_within_31_characters(monkeypatch, mark, tmp_path):
    monkeypatch.setattr(core_exports, "XLSX_MAX_ROWS", 2)
    name = "很长的名单名称" * 6  # 42 characters
    core_exports.xlsx_book("x", ["a"], iter([[1], [2], [3]]), sheet=name).save(tmp_path / "f.xlsx")
    titles = [t for t, _ in _sheets(tmp_path / "f.xlsx")]
    assert titles == [name[:31], name[:27] + " (2)", name[:27] + " (3)"]
    assert all(len(t) <= 31 for t in titles)


def test_a_background_export_of_homes_past_the_limit_is_split_into_valid_sheets(
        api, users, monkeypatch, django_capture_on_commit_callbacks):
    """The job's own path (API → job → run_export → file → download), with the limit at 10 rows."""
    monkeypatch.setattr(core_exports, "XLSX_MAX_ROWS", 10)
    expected = list(Home.objects.filter(building__estate__town__name="朱泾镇")
                    .order_by("-floor", "-pk").values_list("pk", flat=True))
    assert len(expected) > 20
    with django_capture_on_commit_callbacks(execute=True):
        r = api("zhujing").get("/api/v1/homes/export", format="xlsx", ordering="-floor")
    assert r.status_code == 202, r.content
    job = ExportJob.objects.get(pk=r.json()["id"])
    assert job.status == ExportStatus.SUCCEEDED and job.rows_done == len(expected)
    f = api("zhujing").get(api("zhujing").get(r.json()["url"]).json()["download_url"])
    assert f.status_code == 200
    content = b"".join(f.streaming_content) if f.streaming else f.content
    sheets = _sheets(content)
    header = without_mark(sheets[0][1])[0]
    assert header[0] == "系统编号"
    ids = []
    for n, (title, rows) in enumerate(sheets, start=1):
        assert len(rows) <= 10
        assert title == ("房屋" if n == 1 else f"房屋 ({n})")
        rows = without_mark(rows)
        assert rows[0] == header
        ids += [int(row[0]) for row in rows[1:]]
    assert ids == expected
    data_per_sheet = 10 - 1 - (len(sheets[0][1]) - len(without_mark(sheets[0][1])))
    assert len(sheets) == -(-len(expected) // data_per_sheet)
