"""The 十四五 plan's indicators against the demo's records: every actual equals an independent
count of the rows it is defined on (raw SQL and plain Python, not the measures), the 十三五
figures the plan reports come out of the records, and a town office gets its town's part."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection

from fangguan.planning.models import Plan
from fangguan.planning.selectors import plan_progress
from fangguan.registry.models import Town

END = dt.date(2025, 12, 31)
FIRST = dt.date(2021, 1, 1)
W = Decimal("10000")


def rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def in_town(sql: str, params: list, town, column: str) -> list[tuple]:
    """``rows`` of ``sql``, narrowed to one town's when ``town`` is given."""
    return rows(sql + f" AND {column} = %s", [*params, town]) if town else rows(sql, params)


def dec(value, places="0.01") -> Decimal:
    """A database number as the exact Decimal it was written as (SQLite hands back floats)."""
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def permits(select: str, kind: str, first, last, housing_type=None, town=None) -> list[tuple]:
    """``select`` over the permits of ``kind`` issued from ``first`` to ``last`` (inclusive)."""
    sql = (f"SELECT {select} FROM development_permit p JOIN development_project j ON j.id = p.project_id "
           "WHERE p.kind = %s AND p.issued_on >= %s AND p.issued_on <= %s")
    return in_town(sql + (" AND j.housing_type = %s" if housing_type else ""),
                   [kind, first, last, *([housing_type] if housing_type else [])], town, "j.town_id")


def permit_area(kind: str, first, last, housing_type=None, town=None, homes=False) -> Decimal:
    found = permits("p.area_m2, p.homes", kind, first, last, housing_type, town)
    if homes:
        return Decimal(sum(h for _a, h in found)) / W
    return sum((dec(a) for a, _h in found), Decimal("0")) / W


def land(first, last, town=None) -> Decimal:
    sql = ("SELECT area_ha, residential_share FROM development_parcel WHERE status = 'listed' "
           "AND listed_on >= %s AND listed_on <= %s")
    # mixed use counts by its planned share; non-residential land (share 0) adds nothing
    return sum((dec(a, "0.0001") * dec(s, "0.0001") for a, s in in_town(sql, [first, last], town, "town_id")), Decimal("0"))


def renovated(first, last, column="area_m2", town=None) -> Decimal:
    sql = f"SELECT {column} FROM development_renovation WHERE completed_on >= %s AND completed_on <= %s"
    return sum((dec(a) for (a,) in in_town(sql, [first, last], town, "town_id")), Decimal("0")) / W


def affordable(first, last, town=None) -> Decimal:
    sql = ("SELECT a.homes FROM development_affordablequota a JOIN development_project j ON j.id = a.project_id "
           "WHERE a.handed_over_on IS NOT NULL AND a.ready_on >= %s AND a.ready_on <= %s")
    return Decimal(sum(h for (h,) in in_town(sql, [first, last], town, "j.town_id")))


def model_estates(first, last, town=None) -> Decimal:
    sql = ("SELECT a.id FROM registry_assessment a JOIN registry_estate e ON e.id = a.estate_id "
           "WHERE a.kind = 'meili_model' AND a.passed_on >= %s AND a.passed_on <= %s")
    return Decimal(len(in_town(sql, [first, last], town, "e.town_id")))


def coverage(day, town=None) -> Decimal:
    """Eligible existing estates with a charging site in service ÷ all eligible ones, in %."""
    estates = rows("SELECT id, town_id, charging_eligible FROM registry_estate WHERE delivered_on IS NOT NULL "
                   "AND delivered_on <= %s AND (removed_on IS NULL OR removed_on > %s)", [day, day])
    eligible = {i for i, t, ok in estates if ok and (town is None or t == town)}
    with_site = {e for (e,) in rows("SELECT estate_id FROM registry_facility WHERE kind = 'ebike_charging' AND "
                                    "installed_on IS NOT NULL AND installed_on <= %s AND (removed_on IS NULL OR "
                                    "removed_on > %s)", [day, day])}
    return (Decimal(len(eligible & with_site)) * 100 / len(eligible)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def expected(code: str, first, last, town=None) -> Decimal:
    return {
        "1": lambda: land(first, last, town),
        "1A": lambda: permit_area("presale", first, last, "commercial", town),
        "1B": lambda: permit_area("presale", first, last, "commercial", town, homes=True),
        "2": lambda: permit_area("construction", first, last, town=town),
        "2.1": lambda: permit_area("construction", first, last, "commercial", town),
        "2.2": lambda: permit_area("construction", first, last, "resettlement", town),
        "3": lambda: permit_area("delivery", first, last, town=town),
        "3.1": lambda: permit_area("delivery", first, last, "commercial", town),
        "3.2": lambda: permit_area("delivery", first, last, "resettlement", town),
        "3.3": lambda: permit_area("delivery", first, last, "social_rental", town),
        "4": lambda: affordable(first, last, town),
        "5": lambda: renovated(first, last, town=town),
        "5.1": lambda: renovated(first, last, "public_housing_area_m2", town),
        "6": lambda: model_estates(first, last, town),
        "7": lambda: coverage(last, town),
    }[code]()


@pytest.fixture
def plan(db):
    return Plan.objects.get(code="14th")


def test_every_annex_line_is_an_indicator(plan):
    indicators = {i.code: i for i in plan.indicators.select_related("parent")}
    assert list(indicators) == ["1", "1A", "1B", "2", "2.1", "2.2", "3", "3.1", "3.2", "3.3", "4", "5", "5.1", "6", "7"]
    # the binding 160万㎡ of public housing sits under the expected 450万㎡
    assert (indicators["5.1"].parent.code, indicators["5.1"].attribute, indicators["5.1"].target) == ("5", "约束性", 160)
    assert (indicators["5"].attribute, indicators["5"].target) == ("预期性", 450)
    # 350万㎡ and 3.5万套 are two indicators
    assert (indicators["1A"].unit, indicators["1A"].target, indicators["1B"].unit, indicators["1B"].target) == (
        "万㎡", 350, "万套", Decimal("3.5"))
    assert "160" in indicators["1"].notes and indicators["1"].target == 170
    assert {c for c, i in indicators.items() if i.attribute == "约束性"} == {"3", "3.1", "3.2", "3.3", "5.1"}
    assert all(i.definition and i.office and i.measure != "entered" for i in indicators.values())


@pytest.mark.parametrize("as_of", [END, dt.date(2023, 6, 30)])
def test_each_actual_equals_an_independent_count_of_its_records(plan, users, as_of):
    progress = {p.code: p for p in plan_progress(users["admin"], plan, as_of)}
    assert len(progress) == 15
    for code, p in progress.items():
        assert p.actual == expected(code, FIRST, as_of), code
        if code != "7":  # flows: the years add up to the actual
            assert sum(p.by_year.values()) == p.actual, code
            last_year = expected(code, dt.date(as_of.year, 1, 1), as_of)
            assert p.by_year[as_of.year] == last_year, code
    # the sub-lines break the parent down by housing type (the parent counts every type)
    assert progress["3"].actual == progress["3.1"].actual + progress["3.2"].actual + progress["3.3"].actual


def test_the_thirteenth_plan_figures_come_out_of_the_records(db):
    first, last = "2016-01-01", "2020-12-31"

    def projects(kind, housing_type=None):
        return len(permits("DISTINCT p.project_id", kind, first, last, housing_type))

    assert (projects("construction"), permit_area("construction", first, last)) == (41, 436)
    assert (projects("construction", "resettlement"), permit_area("construction", first, last, "resettlement")) == (15, 145)
    assert (projects("delivery"), permit_area("delivery", first, last)) == (56, 395)
    assert (projects("delivery", "resettlement"), permit_area("delivery", first, last, "resettlement")) == (15, 163)
    assert permit_area("presale", first, last, "commercial") == 175
    assert renovated(first, last) == 711
    # every delivery belongs to a registry estate of its project's town, delivered that day
    assert rows("SELECT COUNT(*) FROM development_permit p JOIN development_project j ON j.id = p.project_id "
                "JOIN registry_estate e ON e.id = p.estate_id WHERE p.kind = 'delivery' AND "
                "(e.town_id <> j.town_id OR e.delivered_on <> p.issued_on)")[0][0] == 0
    assert rows("SELECT COUNT(*) FROM development_permit WHERE kind = 'delivery' AND estate_id IS NULL")[0][0] == 0


def test_the_closed_period_has_a_plausible_mix(plan, users):
    progress = plan_progress(users["admin"], plan, END)
    statuses = {p.code: p.status for p in progress}
    assert set(statuses.values()) == {"achieved", "not_achieved"}
    assert any(p.binding and p.status == "not_achieved" for p in progress)
    assert any(p.binding and p.status == "achieved" for p in progress)


def test_a_town_office_gets_its_towns_contribution(plan, users):
    town = Town.objects.get(name="朱泾镇").pk
    mine = {p.code: p.actual for p in plan_progress(users["zhujing"], plan, END)}
    district = {p.code: p.actual for p in plan_progress(users["admin"], plan, END)}
    for code, actual in mine.items():
        assert actual == expected(code, FIRST, END, town), code
    assert all(mine[c] <= district[c] for c in mine if c != "7")
    assert any(mine[c] < district[c] for c in mine)


def test_other_roles_see_no_plan(plan, users):
    assert not Plan.objects.visible_to(users["wuye"]).exists()
    assert not Plan.objects.visible_to(users["yezhu"]).exists()
    assert not Plan.objects.visible_to(users["sysadmin"]).exists()
    assert Plan.objects.visible_to(users["auditor"]).exists()


def test_every_figure_drills_down_to_exactly_the_records_it_counts(plan, users, client, api):
    """Each year's figure links to the web list of its records; that list (and the API list with
    the same parameters) holds exactly the rows the figure counts."""
    from urllib.parse import parse_qsl, urlsplit

    from fangguan.planning.measures import MEASURES

    client.force_login(users["admin"])
    for p in plan_progress(users["admin"], plan, END):
        measure = MEASURES[p.indicator.measure]
        for year, url in p.links.items():
            page = client.get(url)
            parts = urlsplit(url)
            resource = parts.path.rstrip("/").rsplit("/", 1)[-1]
            listed = api("admin").get(f"/api/v1/{resource}", **dict(parse_qsl(parts.query))).json()["count"]
            assert page.status_code == 200 and page.context["page"].paginator.count == listed, url
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            if p.kind == "flow":
                assert listed == measure.records(users["admin"], first, last).count(), (p.code, year)
                if p.indicator.unit in ("个",):
                    assert listed == p.by_year[year]
            else:
                assert listed == measure.on(users["admin"], last)["part"], (p.code, year)
