"""Importing in a real browser: upload a file, read the dry run's report, apply it, watch the
progress bar until the result, find the record in the registry (the worker runs the job)."""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

ROWS = ("小区编码,小区名称,街镇,小区类型,交付日期,建筑面积(㎡)\n"
        "BRW001,浏览器导入苑,朱泾镇,商品住房,2020年12月31日,１２０００\n"
        "BRW002,浏览器错误苑,朱泾镇,商品住房,2020-12-31,-5\n")


def test_upload_dry_run_apply_valid_rows(page, server, tmp_path):
    path = tmp_path / "estates.csv"
    path.write_bytes(ROWS.encode("gbk"))
    login(page, server, "zhujing")
    page.get_by_role("link", name="新建导入").click()
    page.select_option("#id_kind", "estates")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    page.wait_for_selector("#result", timeout=30000)  # the page polls, then reloads with the report
    assert page.locator('[data-count="created"]').inner_text() == "1"
    assert page.locator('[data-count="failed"]').inner_text() == "1"
    assert page.locator("#problems").get_by_text("第3行").is_visible()
    assert page.locator("#notes").get_by_text("全角").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "imports-dry-run.png"), full_page=True)

    page.get_by_role("button", name=re.compile("写入无误的 1 行")).click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    page.wait_for_selector("#result", timeout=30000)
    assert page.get_by_text("已写入").first.is_visible()
    assert page.locator("progress").get_attribute("value") == "100"
    page.screenshot(path=str(ARTIFACTS / "imports-applied.png"), full_page=True)

    page.goto(server + "/r/estates/?q=BRW001")
    page.wait_for_load_state("networkidle")
    assert page.locator("#results tbody tr").filter(has_text="浏览器导入苑").count() == 1
    assert page.locator("#results").get_by_text("浏览器错误苑").count() == 0
