"""The owners' committee files an emergency application (a pump), authorises it and records a
payment to the contractor; the owner then reads their sub-account on a phone-sized page — the
balance, and the charge with the repair named."""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_a_committee_pays_an_emergency_repair_and_an_owner_reads_it_on_a_phone(browser, page, server):
    login(page, server, "yeweihui")
    page.goto(server + "/funds/applications/new/")
    page.select_option("#area", index=1)
    page.fill("#title", "浏览器测试：更换二次供水水泵")
    page.fill("#parts", "小区二次供水泵房水泵")
    page.select_option("#scope_kind", "area")
    page.fill("#estimate", "1,000.00")
    page.select_option("#emergency", "pump")
    page.fill("#contractor", "金山测试机电安装有限公司")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/funds/applications/\d+/$"))
    assert "已起草" in page.locator(".app-status").inner_text()
    page.locator("form[data-action='authorise_emergency'] button").click()
    page.wait_for_load_state("networkidle")
    assert "应急维修已同意" in page.locator(".app-status").inner_text()
    page.fill("form[data-action='pay'] input[name='amount']", "600.00")
    page.locator("form[data-action='pay'] button").click()
    page.wait_for_load_state("networkidle")
    assert "支付中" in page.locator(".app-status").inner_text()
    assert "600.00" in page.locator(".app-paid").inner_text()
    shares = page.locator(".app-shares tbody tr")
    assert shares.count() > 1
    page.screenshot(path=str(ARTIFACTS / "funds-committee.png"), full_page=True)

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    owner = phone.new_page()
    owner.set_default_timeout(15000)
    try:
        login(owner, server, "yezhu")
        owner.goto(server + "/funds/")
        assert "我的维修资金" in owner.content()
        owner.locator("[data-account] a").first.click()
        owner.wait_for_url(re.compile(r"/funds/accounts/\d+/"))
        assert owner.locator(".app-balance-as-of").inner_text().startswith("¥")
        entries = owner.locator(".app-fund-entries li")
        assert entries.count() >= 2  # the initial deposit and the charge (and interest, revenue)
        assert "浏览器测试：更换二次供水水泵" in owner.locator(".app-fund-entries").inner_text()
        owner.fill("#as_of", "2011-01-01")
        owner.get_by_role("button", name="查看").click()  # "Show", 查看 on every page of the platform
        owner.wait_for_url(re.compile(r"as_of=2011-01-01"))
        owner.wait_for_load_state("networkidle")
        assert "2011-01-01" in owner.locator(".card-body").first.inner_text()  # the balance on that day
        assert "浏览器测试" not in owner.locator("body").inner_text()  # the charge came later
        width = owner.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is wider than the phone: {width}px"
        owner.screenshot(path=str(ARTIFACTS / "funds-owner-phone.png"), full_page=True)
    finally:
        phone.close()
