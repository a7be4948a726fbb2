"""The owners' committee drafts and opens a vote; an owner votes on a phone-sized page and
changes their mind; the committee enters a paper ballot with its scan and follows participation
by building — and sees no one's choice while the vote is open."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (120, 160), (250, 250, 250)).save(buf, "PNG")
    return buf.getvalue()


def test_an_owner_votes_on_a_phone_and_the_committee_enters_a_paper_ballot(browser, page, server):
    login(page, server, "yeweihui")
    page.goto(server + "/votes/new/")
    now = dt.datetime.now(SHANGHAI)
    page.fill("#title", "浏览器测试：续聘物业服务企业")
    page.fill("#question", "是否同意续聘现物业服务企业三年？")
    page.select_option("#matter", "manager")
    page.fill("#opens_at", (now - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#closes_at", (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name=re.compile("保存表决草稿")).click()
    page.wait_for_url(re.compile(r"/votes/\d+/$"))
    vote_url = page.url
    assert page.locator("#vote-status").get_attribute("data-status") == "draft"
    page.locator("form[data-action='open'] button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#vote-status").get_attribute("data-status") == "open"

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    owner = phone.new_page()
    owner.set_default_timeout(15000)
    try:
        login(owner, server, "yezhu")
        owner.goto(server + "/votes/")
        owner.locator("[data-vote] a").first.click()
        owner.wait_for_url(vote_url)
        owner.get_by_role("button", name="同意", exact=True).click()
        owner.wait_for_load_state("networkidle")
        assert owner.locator("#my-choice").get_attribute("data-choice") == "yes"
        owner.get_by_role("button", name="不同意", exact=True).click()  # a change of mind
        owner.wait_for_load_state("networkidle")
        assert owner.locator("#my-choice").get_attribute("data-choice") == "no"
        assert owner.locator(".app-my-ballot details li").count() == 2  # both ballots kept
        width = owner.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is wider than the phone: {width}px"
        owner.screenshot(path=str(ARTIFACTS / "votes-owner-phone.png"), full_page=True)
    finally:
        phone.close()

    page.goto(vote_url)
    assert "每位业主的表决意见" not in page.content()  # nobody sees choices while the vote is open
    homes = page.locator("#paper-home option")
    assert homes.count() > 1
    page.select_option("#paper-home", index=homes.count() - 1)
    page.select_option("#paper-choice", "yes")
    page.set_input_files("#paper-scan", files=[{"name": "ballot.png", "mimeType": "image/png", "buffer": _png()}])
    page.get_by_role("button", name="录入纸质表决票").click()
    page.wait_for_load_state("networkidle")
    assert "纸质表决票已录入" in page.content()
    voted = sum(int(cell.split("/")[0]) for cell in
                page.locator(".app-by-building td:nth-child(2)").all_inner_texts())
    assert voted >= 2  # yezhu's home and the paper ballot's
    page.screenshot(path=str(ARTIFACTS / "votes-committee.png"), full_page=True)
