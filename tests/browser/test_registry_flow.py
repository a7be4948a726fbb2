"""The main registry flow in a real browser: log in, open estates, filter by town, open one,
edit it, and find the change in its history — and a town office kept to its town."""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_log_in_filter_open_edit_and_see_history(page, server):
    login(page, server, "admin")
    assert "/login" not in page.url
    page.goto(server + "/r/estates/")
    total = int(re.search(r"\d+", page.locator("#results .app-count-line").first.inner_text()).group())
    assert total > 247  # the demo holds the 247 of 2020 and those delivered since

    page.select_option("#id_town", label="朱泾镇")
    page.wait_for_url(re.compile(r"town=\d+"))
    page.wait_for_load_state("networkidle")
    rows = page.locator("#results tbody tr")
    assert 0 < rows.count() < total
    towns = page.locator("#results tbody tr td").filter(has_text="朱泾镇")
    assert towns.count() == rows.count()

    rows.first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/r/estates/\d+/$"))
    name = page.locator("h1").first.inner_text()
    assert name

    page.get_by_role("link", name=re.compile("编辑|Edit")).first.click()
    page.fill("#id_address", "上海市金山区朱泾镇浏览器测试路8号")
    page.get_by_role("button", name=re.compile("保存|Save")).click()
    page.wait_for_url(re.compile(r"/r/estates/\d+/$"))
    assert page.get_by_text("浏览器测试路8号").first.is_visible()

    page.screenshot(path=str(ARTIFACTS / "registry-estate-history.png"), full_page=True)
    history = page.locator("section.app-section").filter(has=page.locator("h2", has_text=re.compile("变更记录|历史|History")))
    assert history.get_by_text("浏览器测试路8号").first.is_visible()
    assert history.get_by_text("admin").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "registry-estate-history.png"), full_page=True)


def test_town_office_sees_only_its_town(page, server):
    login(page, server, "zhujing")
    page.goto(server + "/r/estates/")
    page.wait_for_load_state("networkidle")
    cells = page.locator("#results tbody tr")
    assert cells.count() > 0
    for text in page.locator("#results tbody tr").all_inner_texts():
        assert "朱泾镇" in text
    # An estate of another town answers like one that does not exist.
    response = page.goto(server + "/r/estates/1/")
    assert response.status == 404


def test_phone_width_list_is_usable(browser, server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, server, "wuye")
    page.goto(server + "/r/estates/")
    assert page.locator("#results tbody tr").count() > 0
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(ARTIFACTS / "registry-phone.png"), full_page=True)
    context.close()
    assert width <= 420  # nothing forces sideways scrolling of the page itself
