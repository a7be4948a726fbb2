"""The status method at its boundaries, the plans API exactly as the contract states it, the
next plan started from the last one, and values entered by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangguan.planning import services
from fangguan.planning.models import EnteredValue, Indicator, Plan
from fangguan.planning.selectors import (
    AT_RISK,
    ON_TRACK,
    elapsed_share,
    indicator_progress,
    status_of,
)

D = Decimal


def running(actual, target="100", baseline="0", elapsed="0.5"):
    return status_of(actual=D(actual), target=D(target), baseline=D(baseline), elapsed=D(elapsed),
                     closed=False, started=True)


@pytest.mark.parametrize(("actual", "status"), [
    ("47.5", "on_track"),     # ratio 0.95 exactly
    ("47.49", "at_risk"),     # just below
    ("25", "at_risk"),        # ratio 0.5 exactly
    ("24.99", "off_track"),   # just below
    ("0", "off_track"),
    ("99.99", "on_track"),
    ("100", "achieved"),      # the target reached before the period ends
])
def test_running_plan_thresholds(actual, status):
    assert running(actual)[0] == status
    assert (D("0.95"), D("0.5")) == (ON_TRACK, AT_RISK)


def test_levels_measure_progress_from_their_baseline():
    # coverage 80% before the period, target 100%, half the period gone: 90% is exactly on the way
    assert running("90", baseline="80") == ("on_track", D("1.0000"))
    assert running("85", baseline="80")[0] == "at_risk"  # ratio 0.5
    assert running("84.9", baseline="80")[0] == "off_track"


def test_closed_period_is_achieved_or_not():
    def closed(actual):
        return status_of(actual=D(actual), target=D("287"), baseline=D("0"), elapsed=D("1"), closed=True,
                         started=True)[0]

    assert closed("287") == "achieved"
    assert closed("286.9999") == "not_achieved"
    assert status_of(actual=None, target=D("1"), baseline=D("0"), elapsed=D("0"), closed=False,
                     started=False)[0] == "not_started"


def test_elapsed_share_of_the_period(db):
    plan = Plan(code="x", name="x", start_year=2021, end_year=2025)
    assert elapsed_share(plan, dt.date(2020, 12, 31)) == 0
    assert elapsed_share(plan, dt.date(2025, 12, 31)) == 1
    assert elapsed_share(plan, dt.date(2030, 1, 1)) == 1
    assert elapsed_share(plan, dt.date(2023, 7, 2)) == D(913) / D(1826)


def test_plans_list_as_the_contract_says(api):
    body = api("admin").get("/api/v1/plans").json()
    assert set(body) == {"count", "items"} and body["count"] >= 1
    item = next(i for i in body["items"] if i["code"] == "14th")
    assert set(item) == {"id", "code", "name", "start_year", "end_year"}
    assert (item["start_year"], item["end_year"]) == (2021, 2025)
    assert api("wuye").get("/api/v1/plans").json() == {"count": 0, "items": []}
    assert api(None).get("/api/v1/plans").status_code == 401


def test_plan_indicators_as_the_contract_says(api):
    plan = Plan.objects.get(code="14th")
    r = api("admin").get(f"/api/v1/plans/{plan.pk}/indicators", as_of="2025-12-31")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(body["items"]) == 15
    by_code = {i["code"]: i for i in body["items"]}
    for item in body["items"]:
        assert {"code", "name", "unit", "parent", "target", "attribute", "actual", "share_of_target", "status",
                "by_year"} <= set(item)
        assert item["attribute"] in ("预期性", "约束性")
        assert isinstance(item["target"], float) and isinstance(item["actual"], float)
        assert item["status"] in ("achieved", "not_achieved")
        assert set(item["by_year"]) == {"2021", "2022", "2023", "2024", "2025"}
        assert abs(item["share_of_target"] - item["actual"] / item["target"]) < 0.0001
    assert (by_code["5.1"]["parent"], by_code["1"]["parent"]) == ("5", None)
    assert by_code["3"]["status"] == "not_achieved" and by_code["3"]["attribute"] == "约束性"
    running = api("admin").get(f"/api/v1/plans/{plan.pk}/indicators", as_of="2023-06-30").json()
    assert {i["status"] for i in running["items"]} <= {"on_track", "at_risk", "off_track", "achieved"}
    assert all(set(i["by_year"]) == {"2021", "2022", "2023"} for i in running["items"])
    assert api("admin").get(f"/api/v1/plans/{plan.pk}/indicators", as_of="2025-13-01").status_code == 422
    assert api("admin").get("/api/v1/plans/999999/indicators").status_code == 404
    assert api("wuye").get(f"/api/v1/plans/{plan.pk}/indicators").status_code == 404


def test_start_the_next_plan_by_copying_definitions(users):
    source = Plan.objects.get(code="14th")
    targets = {i.code: Decimal(i.target) * 2 for i in source.indicators.all()}
    with pytest.raises(ValidationError):
        services.plan_start_next(actor=users["admin"], source=source, code="15th", name="十五五", targets={"1": 1})
    with pytest.raises(PermissionDenied):
        services.plan_start_next(actor=users["zhujing"], source=source, code="15th", name="十五五", targets=targets)
    assert not Plan.objects.filter(code="15th").exists()
    plan = services.plan_start_next(actor=users["admin"], source=source, code="15th",
                                    name="金山区住房发展“十五五”规划", targets=targets)
    assert (plan.start_year, plan.end_year) == (2026, 2030)
    copied = {i.code: i for i in plan.indicators.select_related("parent")}
    assert set(copied) == {i.code for i in source.indicators.all()}
    assert copied["5.1"].parent.code == "5" and copied["5.1"].parent.plan == plan
    assert copied["3"].target == 574 and copied["3"].measure == "deliveries.area" and copied["3"].attribute == "约束性"
    from django.db.models import Sum

    from fangguan.development.models import Permit

    day = dt.date(2026, 6, 30)
    progress = indicator_progress(users["admin"], copied["3"], day)  # measured from the records, not copied
    delivered = Permit.objects.filter(kind="delivery", issued_on__range=(dt.date(2026, 1, 1), day)).aggregate(
        s=Sum("area_m2"))["s"] or 0
    assert abs(progress.actual - D(str(delivered)) / 10000) < D("0.000001")
    assert (progress.status, progress.ratio) == status_of(actual=progress.actual, target=D(574), baseline=D(0),
                                                          elapsed=elapsed_share(plan, day), closed=False, started=True)


def test_entered_values_sum_per_year_and_follow_scope(users):
    from fangguan.registry.models import Town

    plan = Plan.objects.get(code="14th")
    indicator = services.planning_create(actor=users["admin"], model=Indicator, data=dict(
        plan=plan, code="9", name="手工填报测试指标", unit="个", target=D("10"), attribute="预期性", measure="entered"))
    zhujing, shihua = Town.objects.get(name="朱泾镇"), Town.objects.get(name="石化街道")
    mine = services.planning_create(actor=users["zhujing"], model=EnteredValue,
                                    data=dict(indicator=indicator, year=2022, town=zhujing, value=D("3")))
    assert mine.entered_by == users["zhujing"] and mine.entered_at is not None
    services.planning_create(actor=users["admin"], model=EnteredValue,
                             data=dict(indicator=indicator, year=2022, town=shihua, value=D("4")))
    with pytest.raises(PermissionDenied):  # not its town
        services.planning_create(actor=users["zhujing"], model=EnteredValue,
                                 data=dict(indicator=indicator, year=2023, town=shihua, value=D("1")))
    with pytest.raises(ValidationError):  # outside the period
        services.planning_create(actor=users["admin"], model=EnteredValue,
                                 data=dict(indicator=indicator, year=2026, town=shihua, value=D("1")))
    with pytest.raises(ValidationError):  # a computed indicator takes no entered values
        services.planning_create(actor=users["admin"], model=EnteredValue,
                                 data=dict(indicator=plan.indicators.get(code="3"), year=2022, value=D("1")))
    as_of = dt.date(2025, 12, 31)
    assert indicator_progress(users["admin"], indicator, as_of).actual == 7
    assert indicator_progress(users["zhujing"], indicator, as_of).by_year[2022] == 3
    with pytest.raises(ValidationError):  # a measure in another unit
        services.planning_create(actor=users["admin"], model=Indicator, data=dict(
            plan=plan, code="10", name="x", unit="个", target=D("1"), attribute="预期性", measure="deliveries.area"))
