"""The evaluation on a hand-built town: each part recomputed here from the records made here
(the repair part from the figures the repairs selector gives — 1-decimal percentages —, not
recomputed from requests), the weighted score, the grade, the rank; the standard in force for
the period (a 2025 version lowers the complaint deduction); and the pool's admission and
removal."""

from __future__ import annotations

import datetime as dt

import pytest

from fangguan.core.machine import ActionConflict
from fangguan.repairs import figures
from fangguan.repairs.models import Category, RepairRequest
from fangguan.supervision import selectors, services
from fangguan.supervision.models import Complaint, Inspection, PoolEntry, Survey

from .conftest import at


def _request(w, created, *, responded_h, resp_due_h, completed_h, compl_due_h, status="closed", rating=None,
             reopen=0):
    return RepairRequest.objects.create(
        estate=w.north, company=w.north_co, category=Category.objects.order_by("pk").first(), description="漏水",
        status=status, created_at=created, response_due_at=created + dt.timedelta(hours=resp_due_h),
        responded_at=created + dt.timedelta(hours=responded_h) if responded_h is not None else None,
        complete_due_at=created + dt.timedelta(hours=compl_due_h),
        completed_at=created + dt.timedelta(hours=completed_h) if completed_h is not None else None,
        rating=rating, reopen_count=reopen)


@pytest.fixture
def records(world):
    w = world
    services.standard_add(actor=w.bureau, effective_from=dt.date(2025, 1, 1), complaint_deduction=1)
    t = at(2025, 2, 1)
    _request(w, t, responded_h=2, resp_due_h=24, completed_h=24, compl_due_h=72, rating=5)  # all on time
    _request(w, t, responded_h=30, resp_due_h=24, completed_h=80, compl_due_h=72, rating=4)  # both late
    _request(w, t, responded_h=1, resp_due_h=24, completed_h=10, compl_due_h=72, reopen=1)  # reopened
    _request(w, t, responded_h=1, resp_due_h=24, completed_h=None, compl_due_h=72, status="in_progress")  # overdue
    figures.rebuild()  # the repair figures' cells (rows written here bypass the repairs services)
    for day, passed, failed in ((dt.date(2025, 3, 5), 11, 1), (dt.date(2025, 4, 5), 10, 2)):
        i = services.inspection_create(actor=w.officer, estate=w.north, kind="town_monthly", inspected_on=day)
        Inspection.objects.filter(pk=i.pk).update(status="closed", passed=passed, failed=failed)
    draft = services.inspection_create(actor=w.officer, estate=w.north, kind="town_monthly",
                                       inspected_on=dt.date(2025, 5, 5))
    Inspection.objects.filter(pk=draft.pk).update(passed=0, failed=12)  # a draft does not count
    services.breach_record(actor=w.bureau, company=w.north_co, severity="minor", rule="r",
                           occurred_on=dt.date(2025, 6, 1))
    Survey.objects.create(company=w.north_co, estate=w.north, year=2025, households=10, responded=4, satisfied=3)

    def complaint(company_estate, filed, status):
        c = services.complaint_create(actor=w.bureau, estate=company_estate, description="投诉", filed_at=filed)
        Complaint.objects.filter(pk=c.pk).update(status=status)

    complaint(w.south, at(2025, 7, 1), "upheld")
    complaint(w.south, at(2025, 7, 2), "dismissed")  # not upheld: not counted
    complaint(w.south, at(2024, 12, 30), "upheld")  # another year
    return w


def test_each_part_and_the_score(records):
    w = records
    data = selectors.evaluation(w.bureau, date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31),
                                now=at(2026, 1, 10), town=w.town.pk)
    rows = {it["company"]["id"]: it for it in data["items"]}
    north, south = rows[w.north_co.pk], rows[w.south_co.pk]
    # repairs, from the selector's figures: response 3/4 on time, completion 2/4, reopened 1/3 (33.3 %),
    # ratings 5 and 4 (4.5 of 5 = 90 %)
    repairs = (75.0 + 50.0 + (100 - 33.3) + 90.0) / 4
    inspections = 100 * (11 + 10) / (11 + 10 + 1 + 2)
    survey = 100 * 3 / 4 * (40 / 50)  # 75 % satisfied, but only 40 % of households of the 50 % asked
    credit = 100 - 2 * 3
    parts = north["parts"]
    assert parts["repairs"]["score"] == round(repairs, 1)
    assert parts["repairs"]["figures"]["on_time_response_percent"] == 75.0
    assert parts["inspections"]["score"] == round(inspections, 1)
    assert parts["inspections"]["figures"] == {"inspections": 2, "passed": 21, "failed": 3}
    assert parts["complaints"]["score"] == 100.0 and parts["complaints"]["figures"]["homes_served"] == 10
    assert parts["credit"]["score"] == credit and parts["credit"]["figures"]["points"] == 3
    assert parts["survey"]["score"] == round(survey, 1) and parts["survey"]["figures"]["coverage_met"] is False
    expected = (repairs * 30 + inspections * 25 + 100 * 15 + credit * 20 + survey * 10) / 100
    assert north["score"] == round(expected, 1) and north["grade"] == "B"
    # south: only complaints (1 upheld for 30 homes, 1 point off each per 1,000 homes in 2025) and credit
    complaints = 100 - 1 * (1000 * 1 / 30)
    assert south["parts"]["complaints"]["figures"] == {"upheld": 1, "homes_served": 30,
                                                       "per_1000_homes": round(1000 / 30, 2)}
    assert south["parts"]["repairs"]["score"] is None and south["parts"]["inspections"]["score"] is None
    assert south["score"] == round((complaints * 15 + 100 * 20) / 35, 1) and south["grade"] == "B"
    assert (south["rank"], north["rank"]) == (1, 2)
    # every part links to its records
    assert parts["credit"]["link"] == f"/api/v1/companies/{w.north_co.pk}/credit?as_of=2025-12-31"
    assert f"company={w.north_co.pk}" in parts["inspections"]["link"]


def test_the_whole_city_is_not_a_loop_of_queries(records, django_assert_max_num_queries):
    w = records
    with django_assert_max_num_queries(12):
        data = selectors.evaluation(w.bureau, date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31))
    assert data["count"] > 10  # every serving company of the district, in a fixed number of queries


def test_pool_admission_and_nightly_removal(records, monkeypatch):
    w = records
    # a 2025 grade of at least B admits in 2026
    e = services.pool_apply(actor=w.north_manager, company=w.north_co)
    import fangguan.supervision.selectors as sel

    real = sel.year_evaluation
    monkeypatch.setattr(sel, "year_evaluation", lambda user, year, town=None: real(user, year, town=w.town.pk))
    e = services.pool_act(w.bureau, e, "admit", now=at(2026, 1, 15))
    assert (e.status, e.grade, e.term_until) == ("admitted", "B", dt.date(2029, 1, 14))
    # an especially serious breach: removed that night, with the reason
    services.breach_record(actor=w.bureau, company=w.north_co, severity="especially_serious", rule="r",
                           occurred_on=dt.date(2026, 2, 1))
    assert services.pool_nightly(now=at(2026, 2, 2, 2)) == {"expired": 0, "removed": 1}
    e.refresh_from_db()
    assert e.status == "removed" and "特别严重" in e.reason
    # a company graded below B is refused admission, and nothing changes
    Survey.objects.filter(company=w.north_co).delete()
    e2 = services.pool_apply(actor=w.north_manager, company=w.north_co)
    with pytest.raises(ActionConflict):
        services.pool_act(w.bureau, e2, "admit", now=at(2026, 3, 1))
    assert PoolEntry.objects.get(pk=e2.pk).status == "applied"
