"""The evaluation of every company in the district is a fixed number of grouped queries, never a
loop over companies issuing queries: evaluating a district with 12 more companies (each with
estates, inspections, complaints, breaches and surveys) issues exactly as many queries as
evaluating it without them. Counted here with Django's query capture (the speed is in
bench/supervision.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangguan.core.actors import system_actor
from fangguan.registry import models as rm
from fangguan.supervision import selectors, services
from fangguan.supervision.models import Breach, Complaint, Inspection, Survey

from .conftest import SINCE, at, credit_code


def _queries(**kw) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        data = selectors.evaluation(system_actor(), date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31), **kw)
    return len(ctx.captured_queries), data["count"]


def _company_with_records(w, n: int) -> None:
    co = rm.Company.objects.create(name=f"计数物业{n}", credit_code=credit_code(1800 + n), filed_on=SINCE)
    estate = rm.Estate.objects.create(code=f"SV-Q{n}", name=f"计数小区{n}", town=w.town,
                                      neighbourhood=w.north.neighbourhood, estate_type="commercial",
                                      floor_area_m2=Decimal("1000.00"), delivered_on=SINCE)
    area = rm.ManagementArea.objects.create(estate=estate, code=f"SV-Q{n}-A", name=estate.name)
    building = rm.Building.objects.create(estate=estate, area=area, number="1", floors=6)
    rm.Home.objects.create(building=building, unit="1", room_number="101", floor=1, area_m2=Decimal("80.00"))
    rm.Contract.objects.create(area=area, company=co, kind="formal", start_on=SINCE)
    i = services.inspection_create(actor=w.officer, estate=estate, kind="town_monthly",
                                   inspected_on=dt.date(2025, 3, 1 + n))
    Inspection.objects.filter(pk=i.pk).update(status="closed", passed=10, failed=n % 3)
    c = services.complaint_create(actor=w.bureau, estate=estate, description="投诉", filed_at=at(2025, 4, 1 + n))
    Complaint.objects.filter(pk=c.pk).update(status="upheld")
    services.breach_record(actor=w.bureau, company=co, severity="minor", rule="r", occurred_on=dt.date(2025, 5, 1))
    Survey.objects.create(company=co, estate=estate, year=2025, households=10, responded=6, satisfied=5)


def test_the_districts_evaluation_does_not_query_per_company(world):
    before, companies = _queries()
    town_before, town_companies = _queries(town=world.town.pk)
    for n in range(12):
        _company_with_records(world, n)
    assert Breach.objects.filter(company__name__startswith="计数物业").count() == 12
    after, more = _queries()
    town_after, town_more = _queries(town=world.town.pk)
    assert (more, town_more) == (companies + 12, town_companies + 12)
    assert (after, town_after) == (before, town_before)
    assert after <= 12, after
