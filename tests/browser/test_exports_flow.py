"""A background export in a real browser (issue 18): the bureau's administrator exports all homes
— more rows than the background threshold (500 for the browser suite's server) — watches
我的导出 until the file is ready, finds the notification, and downloads the file (the worker beside
the server writes it)."""

from __future__ import annotations

import re

import openpyxl
import pytest

from tests.kit.files import without_mark

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_admin_exports_all_homes_in_the_background_and_downloads_the_file(page, server, tmp_path):
    login(page, server, "admin")
    page.goto(server + "/r/homes/")
    page.wait_for_load_state("networkidle")
    shown = page.locator("#results .app-count-line").inner_text()
    total = int(re.search(r"([\d,]+)", shown).group(1).replace(",", ""))
    assert total > 500
    form = page.locator("#export-background")
    assert form.is_visible()
    form.get_by_role("button", name="导出 Excel").click()
    page.wait_for_url(re.compile(r"/exports/$"))
    assert page.get_by_text("正在后台生成").is_visible()
    row = page.locator("#export-jobs tbody tr").first
    # the table polls every 2 s until the worker has written the file
    page.wait_for_selector('#export-jobs tbody tr[data-status="succeeded"]', timeout=60000)
    assert row.get_by_text("可下载").is_visible()
    assert row.get_by_text(f"{total} / {total}").is_visible()
    page.screenshot(path=str(ARTIFACTS / "exports-ready.png"), full_page=True)

    with page.expect_download() as info:
        row.get_by_role("link", name="下载").click()
    download = info.value
    assert download.suggested_filename.startswith("homes-") and download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(str(path))
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = without_mark(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "系统编号" and "室号" in rows[0]
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == len(set(ids)) == total

    page.goto(server + "/notifications/")
    assert page.get_by_text(re.compile("您导出的.*已生成")).first.is_visible()
