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


def test_committee_member_picker_searches_as_one_types_and_adds(page, server):
    """The owners' committee adds a member from its own page: typing a person's pinyin initials
    asks the server (after a pause) for its estate's matching people; arrow keys and Enter choose
    one, the member's name is filled in, and saving adds the member (issue 18)."""
    login(page, server, "yeweihui")
    page.goto(server + "/r/committees/")
    page.locator("#results tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/r/committees/\d+/$"))
    committee = re.search(r"/r/committees/(\d+)/", page.url).group(1)
    page.goto(f"{server}/r/committee-members/new/?committee={committee}")
    box = page.locator("#id_person_search")
    named = page.locator('label[for="id_person_search"]').inner_text().strip()
    assert page.get_by_role("combobox", name=named, exact=True).get_attribute("id") == "id_person_search"
    assert box.get_attribute("aria-expanded") == "false"
    assert page.locator("#id_person option").count() == 0  # no select of the estate's people

    # an empty box lists the first people in pinyin order; their initials narrow it to fewer
    box.focus()
    listbox = page.get_by_role("listbox", name="匹配的人员")
    listbox.wait_for(state="visible")
    first = listbox.get_by_role("option").first
    label = first.get_attribute("data-label")
    shown = listbox.get_by_role("option").count()
    with page.expect_response(re.compile(r"/search/candidates/\?")) as answered:
        box.press_sequentially(_initials(label), delay=50)
    assert answered.value.status == 200
    page.wait_for_function("() => !document.querySelector('.app-picker').hasAttribute('aria-busy')")
    options = listbox.get_by_role("option")
    assert 1 <= options.count() <= shown
    assert label in [options.nth(i).get_attribute("data-label") for i in range(options.count())]
    assert not any(re.search(r"\d{17}[\dX]", t) for t in options.all_inner_texts())  # masked numbers only
    assert box.get_attribute("aria-expanded") == "true"
    # the first option is active; ArrowDown then ArrowUp comes back to it, Enter chooses it
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == active
    chosen = page.locator(f"#{active}")
    person, name = chosen.get_attribute("data-value"), chosen.get_attribute("data-label")
    page.screenshot(path=str(ARTIFACTS / "committee-member-picker-open.png"))
    box.press("Enter")
    assert page.locator("#id_person").input_value() == person
    assert box.input_value() == name and page.locator("#id_name").input_value() == name
    assert box.get_attribute("aria-expanded") == "false"
    assert name in page.locator("#id_person_status").inner_text()
    page.fill("#id_start_on", "2026-01-01")
    page.screenshot(path=str(ARTIFACTS / "committee-member-picker.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/r/committee-members/\d+/$"))
    assert page.get_by_text(name).first.is_visible()


def _initials(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
