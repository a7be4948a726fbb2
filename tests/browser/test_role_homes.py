"""Each role's working day in the browser (issue 18): the home page each demo account lands on
(a screenshot of each under test-artifacts/homes/), the resident's phone page and a report form
that misses the category yet keeps the photos, an auditor filtering the security log, and an
anonymous visit that leads to the login page and back."""

from __future__ import annotations

import io
import re

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "homes"

# account → what its home page must show (a selector that exists only there)
HOMES = {
    "yezhu": ".app-big-button[href='/repairs/new/']",
    "wuye": "a[href='/repairs/'].btn",
    "zhujing": "a[href='/repairs/overdue/'].btn",
    "juweihui": "a[href='/repairs/overdue/'].btn",
    "admin": "#dashboard-charts",
    "auditor": "a[href='/audit/security/'].btn",
    "yeweihui": "a[href='/votes/'].btn",
    "auditadmin": "a[href='/audit/security/'].btn",
}


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 80)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("username", list(HOMES))
def test_each_role_lands_on_its_own_home_page(page, server, username):
    login(page, server, username)
    page.goto(server + "/")
    assert page.locator(HOMES[username]).count() >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{username}.png"), full_page=True)


def test_resident_phone_home_and_a_report_without_category_keeps_the_photos(browser, server):
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, server, "yezhu")
        page.goto(server + "/")
        report = page.locator(".app-big-button[href='/repairs/new/']")
        box = report.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844  # above the fold on a phone
        assert box["width"] > 300  # a big button, the phone's width
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "yezhu-phone.png"), full_page=True)
        report.click()
        page.wait_for_url(re.compile(r"/repairs/new/$"))
        page.set_input_files("#id_photos", files=[{"name": "leak.png", "mimeType": "image/png", "buffer": _png()}])
        page.fill("#id_description", "厨房水管漏水")
        page.locator("form.app-repair-form button[type=submit]").click()
        error = page.locator("#id_category_error")
        error.wait_for(state="visible")
        assert error.inner_text().strip() == "请选择报修类别"
        assert page.url.endswith("/repairs/new/")  # nothing was sent
        assert page.eval_on_selector("#id_photos", "e => e.files.length") == 1  # the photo is still chosen
        assert page.evaluate("document.activeElement.id") == "id_category"
        page.screenshot(path=str(SHOTS / "yezhu-form-error.png"), full_page=True)
        page.select_option("#id_category", index=1)
        page.locator("form.app-repair-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/repairs/\d+/$"))
        assert page.locator("img[src*='/repairs/photos/']").count() == 1  # filed with its photo
    finally:
        phone.close()


def test_an_auditor_filters_the_security_log(page, server):
    # a failed login to find
    page.goto(server + "/login/")
    page.fill("#id_username", "nobody-browser")
    page.fill("#id_password", "wrong-password-1")
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    login(page, server, "auditor")
    page.get_by_role("link", name="安全日志").first.click()
    page.wait_for_url(re.compile(r"/audit/security/"))
    page.fill("#id_user", "nobody-browser")
    page.select_option("#id_action", "login_failed")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.app-audit tbody tr")
    assert rows.count() == 1 and "nobody-browser" in rows.first.inner_text()
    assert "user=nobody-browser" in page.url
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "auditor-security-log.png"), full_page=True)


@pytest.mark.parametrize("path", ["/r/estates/", "/repairs/", "/dashboard/", "/plans/", "/audit/changes/",
                                  "/votes/", "/development/projects/"])
def test_an_anonymous_visit_leads_to_login_and_back(page, server, path):
    page.goto(server + path)
    assert "/login/" in page.url
    page.fill("#id_username", "auditor")
    page.fill("#id_password", "Fangguan-demo-2026")
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.url == server + path
