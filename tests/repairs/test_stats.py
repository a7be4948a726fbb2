"""The figures per company / estate / town, against a count made here from the raw rows."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from django.utils import timezone

from fangguan.repairs import services
from fangguan.repairs.models import HOURS_TO_COMPLETE, RepairRequest
from fangguan.repairs.selectors import repair_stats, repair_stats_full

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world):
    """A mix: on time, late, reopened, rated, rejected, cancelled, merged, in both companies."""
    t = timezone.now() - dt.timedelta(days=20)
    made = []

    def run(r, steps):
        for hours, actor, action, params in steps:
            services.act(actor, r, action, now=r.created_at + dt.timedelta(hours=hours), **params)
        return r

    d, res = world.dispatcher, world.resident
    for i in range(4):
        r = world.file(at=t + dt.timedelta(hours=i), description=f"按时 {i}", place="grounds", home=None)
        made.append(run(r, [(1, d, "accept", {}), (2, d, "start", {}), (5 + i, d, "complete", {}),
                            (6 + i, res, "confirm", {"rating": 3 + i % 3})]))
    late = world.file(at=t, category=world.urgent_category, description="晚到")
    made.append(run(late, [(5, d, "accept", {}), (6, d, "start", {}), (40, d, "complete", {}),
                           (41, res, "reopen", {"comment": "没修好"}), (42, d, "accept", {}),
                           (43, d, "start", {}), (44, d, "complete", {}), (45, res, "confirm", {"rating": 1})]))
    made.append(run(world.file(at=t, description="驳回", place="lift", home=None),
                    [(1, d, "reject", {"reason": "非物业范围"})]))
    made.append(run(world.file(at=t, description="撤销", place="garage", home=None), [(1, res, "cancel", {})]))
    made.append(world.file(at=t, description="没人管", place="stairwell", home=None))  # overdue, never touched
    dup = world.file(at=t + dt.timedelta(hours=1), description="没人管 重复", place="stairwell", home=None)
    services.act(d, dup, "merge", into=made[-1].pk, now=t + dt.timedelta(hours=2))
    other = services.create_request(world.other_resident, estate=world.other_estate, home=world.other_home,
                                    category=world.category, description="别家", now=t)
    made.append(run(other, [(1, world.other_dispatcher, "accept", {}), (2, world.other_dispatcher, "start", {}),
                            (3, world.other_dispatcher, "complete", {})]))
    return made


def independent(rows, now):
    """The figures restated over plain Python objects."""
    rows = [r for r in rows if r.merged_into_id is None]
    responded = [r for r in rows if r.responded_at or (r.response_due_at < now and r.status != "cancelled")]
    done = [r for r in rows if r.status not in ("cancelled", "rejected")
            and (r.completed_at or r.complete_due_at < now)]
    ever = [r for r in rows if r.completed_at or r.reopen_count]
    rated = [r.rating for r in rows if r.rating]
    hours = [(r.completed_at - r.created_at).total_seconds() / 3600 for r in rows if r.completed_at]
    pct = lambda a, b: round(100 * a / b, 1) if b else None  # noqa: E731
    return {
        "volume": len(rows),
        "responses_counted": len(responded),
        "on_time_response_percent": pct(sum(1 for r in rows if r.responded_at and r.responded_at <= r.response_due_at),
                                        len(responded)),
        "completions_counted": len(done),
        "on_time_completion_percent": pct(sum(1 for r in done if r.completed_at and r.completed_at <= r.complete_due_at),
                                          len(done)),
        "reopen_rate_percent": pct(sum(1 for r in ever if r.reopen_count), len(ever)),
        "rated": len(rated),
        "satisfaction": round(sum(rated) / len(rated), 2) if rated else None,
        "median_hours_to_complete": round(statistics.median(hours), 1) if hours else None,
    }


def assert_same(got: dict, expected: dict, exact: bool) -> None:
    """Equal figures; from the cells the median is exact to within the bucket holding it."""
    if not exact:
        got, expected = dict(got), dict(expected)
        g, e = got.pop("median_hours_to_complete"), expected.pop("median_hours_to_complete")
        assert (g is None) == (e is None)
        if e is not None:
            low, high = HOURS_TO_COMPLETE.bounds(HOURS_TO_COMPLETE.column_of(e))
            assert low - 0.05 <= g <= high + 0.05, (g, e)
    assert got == expected


@pytest.mark.parametrize("group_by,key", [("company", "company_id"), ("estate", "estate_id"),
                                          ("town", "town_id")])
@pytest.mark.parametrize("stats", [repair_stats_full, repair_stats], ids=["full pass", "cells"])
def test_stats_match_an_independent_count(world, history, group_by, key, stats):
    now = timezone.now()
    got = stats(world.bureau, group_by, now=now)
    rows = list(RepairRequest.objects.select_related("estate"))
    for r in rows:
        r.town_id = r.estate.town_id
    groups = {}
    for r in rows:
        groups.setdefault(getattr(r, key), []).append(r)
    assert {item["group"]["id"] for item in got["items"]} == {k for k, rs in groups.items()
                                                                if any(r.merged_into_id is None for r in rs)}
    for item in got["items"]:
        figures = {k: v for k, v in item.items() if k != "group"}
        assert_same(figures, independent(groups[item["group"]["id"]], now), exact=stats is repair_stats_full)
    assert_same(got["total"], independent(rows, now), exact=stats is repair_stats_full)
    mine = next(i for i in repair_stats(world.bureau, "company", now=now)["items"] if i["group"]["id"] == world.company.pk)
    assert mine["volume"] == 8 and mine["reopen_rate_percent"] == 20.0  # one of five completed came back


def test_stats_are_scoped_and_filtered_by_date(world, history, api):
    now = timezone.now()
    wuye = repair_stats(world.dispatcher, "company", now=now)
    assert [i["group"]["id"] for i in wuye["items"]] == [world.company.pk]
    day = (now - dt.timedelta(days=20)).astimezone(timezone.get_current_timezone()).date()
    assert repair_stats(world.bureau, "company", date_from=day + dt.timedelta(days=2), now=now)["total"]["volume"] == 0
    r = api("admin").get("/api/v1/repairs/stats", group_by="town", **{"from": day.isoformat()})
    assert r.status_code == 200 and r.json()["total"]["volume"] == 9 and r.json()["from"] == day.isoformat()
