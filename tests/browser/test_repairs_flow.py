"""A resident reports a leak with a photo from a phone-sized page; the property company's
dispatcher finds it in the queue, accepts, starts and completes it; the resident sees it done."""

from __future__ import annotations

import io
import re

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 200)).save(buf, "PNG")
    return buf.getvalue()


def test_resident_reports_with_a_photo_and_dispatcher_completes(browser, page, server):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    login(page, server, "yezhu")
    page.goto(server + "/repairs/new/")
    page.select_option("#id_category", "roof-leak")
    page.fill("#id_description", "浏览器测试：卫生间顶部渗水")
    page.set_input_files("#id_photos", files=[{"name": "leak.png", "mimeType": "image/png", "buffer": _png()}])
    page.get_by_role("button", name=re.compile("提交|Submit")).click()
    page.wait_for_url(re.compile(r"/repairs/\d+/$"))
    request_id = re.search(r"/repairs/(\d+)/$", page.url).group(1)
    assert page.locator("#repair-status").get_attribute("data-status") == "submitted"
    photo = page.locator(".app-photos img").first
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 64  # served back to its reporter
    page.screenshot(path=str(ARTIFACTS / "repairs-reported.png"), full_page=True)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    desk = context.new_page()
    desk.set_default_timeout(15000)
    try:
        login(desk, server, "wuye")
        desk.goto(server + "/repairs/")
        desk.locator(f"[data-request='{request_id}'] a").first.click()
        desk.wait_for_url(re.compile(rf"/repairs/{request_id}/$"))
        for action, status, said in (("accept", "accepted", "已受理"), ("start", "in_progress", "已开始维修"),
                                     ("complete", "completed", "已标记完成")):
            assert "answer" not in desk.locator("[data-action]").evaluate_all("els => els.map(e => e.dataset.action)")
            if action == "complete":  # an action with a form opens it first
                desk.locator("[data-action-panel='complete'] > summary").click()
                desk.get_by_label("处理情况").fill("已更换防水层")
            desk.locator(f"form[data-action='{action}'] button[type=submit]").click()
            desk.wait_for_load_state("networkidle")
            assert desk.locator("#repair-status").get_attribute("data-status") == status
            assert said in desk.content()
        desk.screenshot(path=str(ARTIFACTS / "repairs-completed.png"), full_page=True)
    finally:
        context.close()

    page.goto(server + f"/repairs/{request_id}/")
    assert page.locator("#repair-status").get_attribute("data-status") == "completed"
    assert page.locator("[data-event='completed']").count() == 1
    page.locator("[data-action-panel='confirm'] > summary").click()
    page.locator("form[data-action='confirm'] select[name=rating]").select_option("5")
    page.locator("form[data-action='confirm'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#repair-status").get_attribute("data-status") == "closed"
