"""Bulk edit in a real browser (issue 18): the town office ticks two estates of its list, edits
one field for both, reads the Chinese confirmation, and finds the value on each estate's page
with its own change-log entry; the heading's box ticks the whole page."""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_tick_two_rows_edit_one_field_and_confirm(page, server):
    login(page, server, "zhujing")
    page.goto(server + "/r/estates/")
    page.wait_for_load_state("networkidle")
    boxes = page.locator('#results tbody input[name="pk"]')
    assert boxes.count() > 2
    # the heading's box ticks every row of the page, and unticks them again
    page.locator("#bulk-all-page").check()
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.locator("#bulk-all-page").uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))

    chosen = [boxes.nth(i).get_attribute("value") for i in (0, 1)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="编辑勾选的行").click()
    page.wait_for_url(re.compile(r"/r/estates/bulk-edit/$"))
    assert "批量编辑小区：共 2 条" in page.locator("h1").inner_text()
    page.check("#id_apply_service_phone")
    page.fill("#id_service_phone", "021-57999999")
    page.screenshot(path=str(ARTIFACTS / "registry-bulk-edit.png"), full_page=True)
    page.get_by_role("button", name="修改 2 条记录").click()
    page.wait_for_url(re.compile(r"/r/estates/(\?.*)?$"))
    assert page.get_by_text("已修改 2 条记录。").is_visible()

    for pk in chosen:
        page.goto(f"{server}/r/estates/{pk}/")
        assert page.get_by_text("021-57999999").first.is_visible()
        history = page.locator("section.app-section").filter(
            has=page.locator("h2", has_text=re.compile("变更记录|历史|History")))
        assert history.get_by_text("021-57999999").first.is_visible()
        assert history.get_by_text("zhujing").first.is_visible()


def test_committee_member_picker_narrows_as_one_types(page, server):
    """The owners' committee adds a member from its own page: its estate's people, narrowed by typing."""
    login(page, server, "yeweihui")
    page.goto(server + "/r/committees/")
    page.locator("#results tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/r/committees/\d+/$"))
    committee = re.search(r"/r/committees/(\d+)/", page.url).group(1)
    page.goto(f"{server}/r/committee-members/new/?committee={committee}")
    box = page.locator('input[data-filters="id_person"]')
    assert box.is_visible()
    options = page.locator("#id_person option")
    names = [t for t in options.all_inner_texts() if t.strip() and not t.startswith("-")]
    assert len(names) > 1
    typed = names[-1]
    box.fill(typed)
    shown = page.evaluate("Array.from(document.querySelectorAll('#id_person option')).filter(o => o.value && !o.hidden).map(o => o.text)")
    assert shown and all(typed in text for text in shown) and len(shown) < len(names)
    assert page.locator("#id_person").evaluate("s => s.selectedOptions[0].text").find(typed) != -1
