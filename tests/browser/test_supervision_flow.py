"""A town officer does a monthly inspection on a phone-sized page — every item of the checklist,
a failed item with its finding and a photo taken on the spot — and submits it; the property
company answers the finding; the officer accepts the correction and closes the inspection."""

from __future__ import annotations

import io
import json
import re
import urllib.request

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (160, 120), (180, 60, 40)).save(buf, "PNG")
    return buf.getvalue()


def _served_estate_in_zhujing(server) -> int:
    """An estate of 朱泾镇 that wuye's company serves (read over the API as wuye)."""
    def call(path, body=None, token=None):
        req = urllib.request.Request(server + path, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
        with urllib.request.urlopen(req, timeout=20) as r:  # noqa: S310 - our own server
            return json.loads(r.read())

    token = call("/api/v1/auth/token", {"username": "wuye", "password": "Fangguan-demo-2026"})["token"]
    estates = call("/api/v1/estates?limit=500", token=token)["items"]
    return next(e["id"] for e in estates if (e.get("town") or {}).get("name") == "朱泾镇")


def test_a_town_officer_inspects_on_a_phone_and_the_company_answers(browser, page, server):
    estate = _served_estate_in_zhujing(server)
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    officer = phone.new_page()
    officer.set_default_timeout(15000)
    try:
        login(officer, server, "zhujing")
        officer.goto(server + "/supervision/inspections/")
        officer.select_option("#estate", str(estate))
        officer.get_by_role("button", name="开始检查").click()
        officer.wait_for_url(re.compile(r"/supervision/inspections/\d+/$"))
        inspection_url = officer.url
        assert officer.locator("#inspection-status").get_attribute("data-status") == "draft"
        codes = officer.locator("[data-item]").evaluate_all("els => els.map(e => e.dataset.item)")
        assert len(codes) == 12
        for code in codes:
            officer.click(f"label[for='r-{code}-{'fail' if code == 'T09' else 'pass'}']")
        officer.locator("[data-item='T09'] summary").click()
        officer.fill("#finding-T09", "3号楼楼道有电动自行车停放充电")
        officer.select_option("#photo_code", "T09")
        officer.set_input_files("#photos", files=[{"name": "louda.png", "mimeType": "image/png", "buffer": _png()}])
        officer.get_by_role("button", name="保存检查表").click()
        officer.wait_for_load_state("networkidle")
        assert "检查表已保存" in officer.content()
        assert "1 张照片" in officer.locator("[data-item='T09']").inner_text()
        width = officer.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is wider than the phone: {width}px"
        officer.screenshot(path=str(ARTIFACTS / "supervision-inspection-phone.png"), full_page=True)
        officer.get_by_role("button", name="提交检查结果").click()
        officer.wait_for_load_state("networkidle")
        assert officer.locator("#inspection-status").get_attribute("data-status") == "open"
        assert officer.locator("[data-finding]").get_attribute("data-status") == "open"

        login(page, server, "wuye")
        page.goto(inspection_url)
        page.fill("textarea[name=answer]", "已清理楼道车辆，增设集中充电点")
        page.get_by_role("button", name="提交整改回复").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-finding]").get_attribute("data-status") == "answered"
        page.screenshot(path=str(ARTIFACTS / "supervision-company-answer.png"), full_page=True)

        officer.goto(inspection_url)
        officer.get_by_role("button", name="整改通过").click()
        officer.wait_for_load_state("networkidle")
        officer.get_by_role("button", name="办结").click()
        officer.wait_for_load_state("networkidle")
        assert officer.locator("#inspection-status").get_attribute("data-status") == "closed"
    finally:
        phone.close()
