"""The dashboard in a real browser (issue #3, "Done means"): log in, change the date to
2020-12-31, see 247 on the estates card, open a chart and the map (screenshot saved under
test-artifacts/), follow a card to its list — with no request leaving the machine (the ``page``
fixture fails the test on any). Also: a chart's bar opens its list, phone width, print."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import ARTIFACTS, login, strict_csp

pytestmark = pytest.mark.browser


def _count_line(page) -> int:
    return int(re.search(r"\d+", page.locator("#results .app-count-line").first.inner_text()).group())


def _wait_for_charts_and_map(page):
    page.wait_for_selector("#chart-towns[data-ready=true]")
    page.wait_for_selector("#chart-deliveries[data-ready=true]")
    page.wait_for_selector("#estate-map[data-ready=true]")


def test_dashboard_date_cards_chart_map_and_list(page, server):
    login(page, server, "admin")
    page.get_by_role("link", name=re.compile("全区概览|District at a glance")).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))

    page.fill("#id_as_of", "2020-12-31")
    page.locator(".app-as-of-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard/\?as_of=2020-12-31$"))
    estates_card = page.locator("[data-figure=estates] .app-figure-value")
    assert estates_card.inner_text().strip() == "247"
    assert "2385.00" in page.locator("[data-figure=managed_floor_area_m2] .app-figure-value").inner_text()
    _wait_for_charts_and_map(page)

    # A chart: hovering a bar shows its figures (ECharts tooltip).
    chart = page.locator("#chart-towns")
    chart.scroll_into_view_if_needed()
    point = page.evaluate("""() => {
        const c = echarts.getInstanceByDom(document.getElementById('chart-towns'));
        const l = c.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
        return {x: l.x + l.width / 2, y: l.y + l.height / 2};
    }""")
    box = chart.bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    area = page.locator("tr[data-town] a[data-cell=managed_floor_area_m2]").first.inner_text()  # 石化街道's
    tooltip = page.locator("#chart-towns").get_by_text(area)  # only the tooltip shows the value
    tooltip.wait_for()
    assert tooltip.is_visible()

    # The map: 247 estates and ten approximate town areas, on a plain background (no tiles set).
    counts = json.loads(page.locator("#estate-map").get_attribute("data-features"))
    assert counts == {"towns": 10, "estates": 247}
    assert "app-map-plain" in page.locator("#estate-map").get_attribute("class")
    page.select_option("#estate-map-colour", index=2)  # colour by charging site: yes / no
    legend = page.locator("#estate-map-legend")
    assert re.search(r"是 \(173\)", legend.inner_text()) and re.search(r"否 \(74\)", legend.inner_text())
    page.locator("#estate-map").scroll_into_view_if_needed()
    page.evaluate("() => FangguanMap.instances['estate-map'].layers.estates.geo.getLayers()[0].openPopup()")
    popup_link = page.locator("#estate-map .leaflet-popup-content a").first
    assert re.fullmatch(r"/r/estates/\d+/", popup_link.get_attribute("href"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-2020-12-31.png"), full_page=True)

    # A card opens the list of exactly the records it counts.
    page.locator("[data-figure=estates] a.stretched-link").click()
    page.wait_for_url(re.compile(r"/r/estates/\?as_of=2020-12-31"))
    page.wait_for_load_state("networkidle")
    assert _count_line(page) == 247
    assert page.locator("#id_as_of").input_value() == "2020-12-31"


def test_a_bar_opens_the_list_it_stands_for(page, server):
    login(page, server, "zhujing")
    page.goto(server + "/dashboard/?as_of=2020-12-31")
    _wait_for_charts_and_map(page)
    value = int(page.locator("[data-figure=estates] .app-figure-value").inner_text())
    assert value == 35  # the town office sees its town: 朱泾镇's 35 estates of 2020
    chart = page.locator("#chart-towns")
    chart.scroll_into_view_if_needed()
    point = page.evaluate("""() => {
        const c = echarts.getInstanceByDom(document.getElementById('chart-towns'));
        const l = c.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
        return {x: l.x + l.width / 2, y: l.y + l.height / 2};
    }""")
    box = chart.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_url(re.compile(r"/r/estates/\?as_of=2020-12-31&town=\d+"))
    page.wait_for_load_state("networkidle")
    assert _count_line(page) == value


def test_phone_width_and_print(browser, server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    outside = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server)
               else (outside.append(route.request.url), route.abort()))
    login(page, server, "wuye")
    page.goto(server + "/dashboard/?as_of=2023-07-15")
    _wait_for_charts_and_map(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)

    page.set_viewport_size({"width": 1123, "height": 794})
    page.emulate_media(media="print")
    assert not page.locator("#app-sidebar").is_visible()
    assert not page.locator(".app-as-of-form").is_visible()
    assert page.locator("[data-figure=estates]").is_visible()
    assert page.locator("#chart-towns svg").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard-print.png"), full_page=True)
    context.close()
    assert outside == []


def test_gcj02_tiles_shift_points_with_gcoord(page, server):
    """For a GCJ-02 tile source the map shifts each WGS84 position with gcoord; in Shanghai the
    published offset is a few hundred metres east and south (longitude +0.004°, latitude −0.002°
    roughly). Without tiles nothing is shifted."""
    login(page, server, "admin")
    page.goto(server + "/dashboard/?as_of=2020-12-31")
    page.wait_for_selector("#estate-map[data-ready=true]")
    wgs = [121.165, 30.898]
    same = page.evaluate("p => FangguanMap.project(p, 'wgs84')", wgs)
    shifted = page.evaluate("p => FangguanMap.project(p, 'gcj02')", wgs)
    back = page.evaluate("p => gcoord.transform(p, gcoord.GCJ02, gcoord.WGS84)", shifted)
    assert same == wgs
    assert 0.003 < shifted[0] - wgs[0] < 0.006 and -0.004 < shifted[1] - wgs[1] < -0.001
    assert abs(back[0] - wgs[0]) < 1e-5 and abs(back[1] - wgs[1]) < 1e-5


def test_the_dashboard_works_under_a_strict_content_security_policy(page, server):
    """No inline script or style anywhere (the CSP that is coming): the page, its charts (ECharts'
    SVG) and the map (Leaflet) draw with no violation reported."""
    login(page, server, "admin")
    strict_csp(page)
    page.goto(server + "/dashboard/?as_of=2020-12-31")
    _wait_for_charts_and_map(page)
    page.select_option("#estate-map-colour", index=1)
    page.evaluate("() => FangguanMap.instances['estate-map'].layers.estates.geo.getLayers()[0].openPopup()")
    page.locator("#chart-towns").hover()
    assert page.evaluate("window.__violations") == []
    assert page.locator("#chart-towns svg path").count() > 20  # the bars were drawn
