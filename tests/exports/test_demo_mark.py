"""Exports say when their records are the generated demo (issue 18): while the database holds it
(``core.demomark``), every export — a list's .xlsx and CSV, immediate and background, a report's
own workbook — starts with a row whose first cell begins 演示数据; without the demo, the header
comes first. (Re-importing such a file skips that row: tests/imports/test_api_and_command.py.)"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from fangguan.core import demomark
from fangguan.exports import services
from fangguan.exports.choices import ExportStatus
from fangguan.exports.models import ExportJob

pytestmark = pytest.mark.django_db


def _first_rows(content: bytes, fmt: str, n: int = 2) -> list[list]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[:n]
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True, max_row=n)]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def demo_known():
    demomark.forget()
    assert demomark.holds_generated_demo()  # the test database holds the demo (tests/conftest.py)
    yield
    demomark.forget()


@pytest.fixture
def no_demo(monkeypatch):
    monkeypatch.setattr(demomark, "holds_generated_demo", lambda: False)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_immediate_export_starts_with_the_demo_mark(api, settings, demo_known, fmt):
    settings.FANGGUAN_EXPORT_BACKGROUND_ROWS = 10**9
    r = api("admin").get("/api/v1/estates/export", format=fmt)
    assert r.status_code == 200
    mark, header = _first_rows(_body(r), fmt)
    assert mark[0].startswith("演示数据：") and "演示" in mark[0][5:] and header[0] == "系统编号"
    assert all(cell in (None, "") for cell in mark[1:])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_background_export_starts_with_the_demo_mark(users, demo_known, fmt):
    job = ExportJob.objects.create(owner=users["zhujing"], source="homes", format=fmt, rows_total=10)
    services.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.SUCCEEDED, job.error
    with job.file.open("rb") as fh:
        mark, header = _first_rows(fh.read(), fmt)
    assert mark[0].startswith("演示数据") and header[0] == "系统编号"


def test_a_reports_workbook_starts_with_the_demo_mark(client, users, demo_known):
    client.force_login(users["admin"])
    r = client.get("/dashboard/export.xlsx", {"as_of": "2020-12-31"})
    book = openpyxl.load_workbook(io.BytesIO(_body(r)))
    for sheet in book.worksheets:
        assert str(sheet["A1"].value).startswith("演示数据"), sheet.title
        assert "2020-12-31" in str(sheet["A2"].value) or sheet["A2"].value == "年份"
    assert book.worksheets[0].freeze_panes == "B4"  # the header rows still frozen, one row lower


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_without_the_demo_the_header_comes_first(api, settings, no_demo, fmt):
    settings.FANGGUAN_EXPORT_BACKGROUND_ROWS = 10**9
    r = api("admin").get("/api/v1/estates/export", format=fmt)
    (header,) = _first_rows(_body(r), fmt, 1)
    assert header[0] == "系统编号"
