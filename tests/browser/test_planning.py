"""The plan in a real browser (issue #8, "Done means"): open the progress page of the 十四五 plan
on a day within the period, see binding indicators marked and the charts and map drawn, follow
a figure to the list of the records it counts, then open the final evaluation report and print
it — with no request leaving the machine and no inline script or style (strict CSP)."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import ARTIFACTS, login, strict_csp

pytestmark = pytest.mark.browser

def test_progress_page_drill_down_and_report(page, server):
    login(page, server, "admin")
    strict_csp(page)
    page.get_by_role("link", name=re.compile("规划与进度")).click()
    page.wait_for_url(re.compile(r"/plans/$"))
    page.locator("tr[data-plan='14th'] th a").click()
    page.wait_for_url(re.compile(r"/plans/\d+/$"))

    page.fill("#id_as_of", "2023-06-30")
    page.locator(".app-as-of-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?as_of=2023-06-30$"))
    rows = page.locator("tr[data-indicator]")
    assert rows.count() == 15
    assert page.locator("tr.app-binding[data-indicator]").count() == 5
    assert "约束性" in page.locator("tr[data-indicator='3'] .badge").first.inner_text()
    page.wait_for_selector("#chart-3[data-ready=true]")
    page.wait_for_selector("#plan-map[data-ready=true]")
    counts = json.loads(page.locator("#plan-map").get_attribute("data-features"))
    assert counts["deliveries"] > 0 and counts["parcels"] > 0 and counts["renovations"] > 0
    assert page.locator("#chart-3 svg path").count() > 5
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "plan-progress-2023-06-30.png"), full_page=True)
    assert page.evaluate("window.__violations") == []

    # A figure opens the list of the records it counts: 2022's resettlement deliveries.
    cell = page.locator("tr[data-indicator='3.2'] a[data-year='2022']")
    figure = cell.inner_text()
    cell.click()
    page.wait_for_url(re.compile(r"/development/permits/\?kind=delivery&housing_type=resettlement&from=2022-01-01&to=2022-12-31"))
    count = int(page.locator("[data-count]").get_attribute("data-count"))
    assert count > 0 and page.locator("table[data-resource=permits] tbody tr").count() == count
    areas = [float(t.replace(",", "")) for t in page.locator("table[data-resource=permits] tbody tr td:nth-child(7)").all_inner_texts()]
    assert round(sum(areas) / 10000, 2) == round(float(figure.replace(",", "")), 2)
    assert set(page.locator("table[data-resource=permits] tbody tr td:nth-child(6)").all_inner_texts()) == {"征收安置住房"}

    # The final evaluation report, printable.
    page.go_back()
    page.get_by_role("link", name=re.compile("评估报告")).first.click()
    page.wait_for_url(re.compile(r"/plans/\d+/report/"))
    page.goto(re.sub(r"\?.*$", "", page.url))  # the period's end: the closed-period view
    page.wait_for_selector("#report-charts, [data-charts-source=report-charts]", state="attached")
    page.wait_for_selector("#chart-5[data-ready=true]")
    assert page.locator("tr[data-indicator='3']").get_attribute("data-status") == "not_achieved"
    summary = page.locator("[data-summary]").inner_text()
    assert "未完成的约束性指标" in summary and page.locator("[data-summary] strong").first.inner_text().startswith("3 ")
    assert "436" in page.locator("table.app-review").inner_text()
    page.emulate_media(media="print")
    assert not page.locator("#app-sidebar").is_visible() and not page.locator("[data-print]").is_visible()
    assert page.pdf(path=str(ARTIFACTS / "plan-report.pdf"), format="A4", landscape=True).startswith(b"%PDF")
    page.screenshot(path=str(ARTIFACTS / "plan-report-print.png"), full_page=True)
    assert page.evaluate("window.__violations") == []
