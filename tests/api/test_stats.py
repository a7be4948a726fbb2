"""The registry figures: the plan's end-2020 numbers reproduced from records, and the selector
recomputed by an independent count at several dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fangguan.registry import models as m
from fangguan.registry.selectors import FIGURES

PLAN_END_2020 = {
    "estates": 247,
    "companies_serving": 75,
    "companies_filed": 109,
    "owners_committees": 213,
    "committees_with_party_group": 122,
    "neighbourhood_committees_with_overlap": 55,
    "neighbourhood_committees_with_property_subcommittee": 84,
    "estates_meili_passed": 238,
    "estates_with_charging": 173,
}


def test_end_2020_figures_are_the_plans(api):
    r = api("admin").get("/api/v1/stats/registry", as_of="2020-12-31")
    assert r.status_code == 200
    body = r.json()
    for figure, value in PLAN_END_2020.items():
        assert body[figure] == value, figure
    assert round(body["managed_floor_area_m2"] / 10_000) == 2385
    assert body["as_of"] == "2020-12-31"


def test_estates_delivered_since_2021_are_counted_later(api):
    client = api("admin")
    end_2020 = client.get("/api/v1/stats/registry", as_of="2020-12-31").json()["estates"]
    end_2025 = client.get("/api/v1/stats/registry", as_of="2025-12-31").json()["estates"]
    delivered = m.Estate.objects.filter(delivered_on__gt=dt.date(2020, 12, 31), delivered_on__lte=dt.date(2025, 12, 31)).count()
    removed = m.Estate.objects.filter(removed_on__gt=dt.date(2020, 12, 31), removed_on__lte=dt.date(2025, 12, 31)).count()
    assert delivered > 0 and removed > 0
    assert end_2025 == end_2020 + delivered - removed


def independent(day: dt.date, town_id: int | None = None) -> dict:
    """The figures counted record by record in Python, from the definitions in issue #2."""

    def held(start, end):
        return start is not None and start <= day and (end is None or end > day)

    estates = {e.pk: e for e in m.Estate.objects.all()
               if held(e.delivered_on, e.removed_on) and (town_id is None or e.town_id == town_id)}
    area_estate = dict(m.ManagementArea.objects.values_list("pk", "estate_id"))
    contracts = [c for c in m.Contract.objects.all()
                 if area_estate[c.area_id] in estates and c.start_on <= day
                 and (c.end_on is None or c.end_on >= day) and (c.terminated_on is None or c.terminated_on > day)]
    serving = {c.company_id for c in contracts}
    filed = {c.pk for c in m.Company.objects.all() if held(c.filed_on, c.filing_revoked_on)}
    committees = [c for c in m.OwnersCommittee.objects.all()
                  if area_estate[c.area_id] in estates and held(c.established_on, c.dissolved_on)]
    committee_ids = {c.pk for c in committees}
    overlap = {x.neighbourhood_id for x in m.CommitteeMember.objects.all()
               if x.committee_id in committee_ids and x.neighbourhood_id and held(x.start_on, x.end_on)}
    subcommittees = {n.pk for n in m.Neighbourhood.objects.all()
                     if held(n.property_subcommittee_since, n.property_subcommittee_until)
                     and (town_id is None or n.town_id == town_id)}
    meili = {a.estate_id for a in m.Assessment.objects.filter(kind="meili_standard")
             if a.estate_id in estates and held(a.passed_on, a.revoked_on)}
    charging = {f.estate_id for f in m.Facility.objects.filter(kind="ebike_charging")
                if f.estate_id in estates and held(f.installed_on, f.removed_on)}
    return {
        "estates": len(estates),
        "managed_floor_area_m2": float(sum((e.floor_area_m2 for e in estates.values()), Decimal(0))),
        "companies_serving": len(serving),
        "companies_filed": len(filed) if town_id is None else len(serving & filed),
        "owners_committees": len(committees),
        "committees_with_party_group": sum(1 for c in committees if c.party_group_since and c.party_group_since <= day),
        "neighbourhood_committees_with_overlap": len(overlap),
        "neighbourhood_committees_with_property_subcommittee": len(subcommittees),
        "estates_meili_passed": len(meili),
        "estates_with_charging": len(charging),
    }


@pytest.mark.parametrize("day", ["2005-06-30", "2016-01-01", "2020-12-31", "2021-01-01", "2023-07-15", "2026-11-27"])
def test_figures_equal_an_independent_count(api, day):
    body = api("admin").get("/api/v1/stats/registry", as_of=day).json()
    expected = independent(dt.date.fromisoformat(day))
    for figure in FIGURES:
        assert body[figure] == pytest.approx(expected[figure]), figure


def test_by_town_adds_up_and_a_town_office_sees_its_town(api, users):
    body = api("admin").get("/api/v1/stats/registry", as_of="2020-12-31").json()
    for figure in ("estates", "owners_committees", "committees_with_party_group",
                   "neighbourhood_committees_with_property_subcommittee", "estates_meili_passed", "estates_with_charging"):
        assert sum(t[figure] for t in body["by_town"]) == body[figure], figure
    assert sum(t["managed_floor_area_m2"] for t in body["by_town"]) == pytest.approx(body["managed_floor_area_m2"])
    # A company serving in two towns is counted in each town but once in the district total.
    assert sum(t["companies_serving"] for t in body["by_town"]) >= body["companies_serving"]

    town_id = users["zhujing"].memberships.get().organisation.town_id
    mine = api("zhujing").get("/api/v1/stats/registry", as_of="2020-12-31").json()
    (row,) = [t for t in body["by_town"] if t["town"]["id"] == town_id]
    for figure in FIGURES:
        assert mine[figure] == row[figure], figure
    assert [t["town"]["id"] for t in mine["by_town"]] == [town_id]
    expected = independent(dt.date(2020, 12, 31), town_id)
    for figure in FIGURES:
        assert mine[figure] == pytest.approx(expected[figure]), figure


def test_stats_need_a_login_and_a_valid_date(api):
    assert api(None).get("/api/v1/stats/registry").status_code == 401
    r = api("admin").get("/api/v1/stats/registry", as_of="2020-13-45")
    assert r.status_code == 422
    assert api("sysadmin").get("/api/v1/stats/registry", as_of="2020-12-31").json()["estates"] == 0
