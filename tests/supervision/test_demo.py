"""The supervision demo builds from the registry's records (a short span here; the full demo
runs it from 2021): inspections of every served estate, findings, breaches, complaints, project
managers within their limit, handovers with a developer each, and a pool.

``test_the_demo_holds_what_the_issue_asks`` builds it as the full demo does, from 2021 to 2025
(for one town's estates, to keep it short; handovers and the pool are the district's), and
recounts each thing the issue asks for with its own queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from fangguan.registry.models import Contract, Estate, Town
from fangguan.supervision import demo
from fangguan.supervision.models import (
    Assignment,
    Breach,
    Complaint,
    Defect,
    Handover,
    Inspection,
    InspectionResult,
    PoolEntry,
    YearEvaluation,
)
from tests.conftest import ApiClient


def test_the_demo_builds(db):
    counts = demo.build(since=dt.date(2025, 11, 1), until=dt.date(2025, 12, 31), freeze=False)
    assert counts["inspections"] == Inspection.objects.count() > 0
    assert InspectionResult.objects.count() >= 6 * counts["inspections"]
    assert counts["handovers"] == Handover.objects.count() > 0
    assert all(h.estate.developer_id == h.developer_id for h in Handover.objects.select_related("estate"))
    per_manager = {}
    for a in Assignment.objects.all():
        per_manager[a.manager_id] = per_manager.get(a.manager_id, 0) + 1
    assert per_manager and max(per_manager.values()) <= 3


def _months(since: dt.date, until: dt.date):
    y, m = since.year, since.month
    while (y, m) <= (until.year, until.month):
        yield dt.date(y, m, 1)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _served(estate_id: int, day: dt.date) -> bool:
    return Contract.objects.filter(Q(end_on__isnull=True) | Q(end_on__gte=day),
                                   Q(terminated_on__isnull=True) | Q(terminated_on__gt=day),
                                   area__estate_id=estate_id, start_on__lte=day).exists()


def _plus_months(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.month - 1 + n, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(day.year + y, m + 1, d)
        except ValueError:
            continue
    raise AssertionError(day)


def test_the_demo_holds_what_the_issue_asks(db):
    town = (Town.objects.annotate(n=Count("estates")).filter(n__gte=10).order_by("n", "pk").first())
    since, until = dt.date(2021, 1, 1), dt.date(2025, 12, 31)
    demo.build(since=since, until=until, towns=[town.pk])
    estates = list(Estate.objects.filter(town=town, delivered_on__lte=until, removed_on__isnull=True))
    assert len(estates) >= 10

    # monthly town inspections of every estate served, since 2021: one a month, no month missed
    for e in estates:
        expected = {m for m in _months(since, until) if e.delivered_on <= m and _served(e.pk, m)}
        got = list(Inspection.objects.filter(estate=e, kind="town_monthly").values_list("inspected_on", flat=True))
        assert {d.replace(day=1) for d in got} == expected and len(got) == len(expected), e.code
    # district spot checks, every year
    spot_years = set(Inspection.objects.filter(kind="district_spot", estate__town=town)
                     .values_list("inspected_on__year", flat=True))
    assert spot_years == set(range(2021, 2026))

    # complaints, some from the 12345 hotline (with the order's id), upheld and not
    complaints = Complaint.objects.filter(estate__town=town)
    assert complaints.filter(channel="hotline", external_id__isnull=False).count() > 0
    assert complaints.filter(channel="web").count() > 0
    assert {"upheld", "dismissed"} <= set(complaints.values_list("status", flat=True))

    # credit files: breaches, corrections no earlier than 1 / 3 months after, disputes (some overdue)
    breaches = Breach.objects.filter(estate__town=town)
    assert breaches.count() > 0
    corrected = list(breaches.filter(status="corrected"))
    assert corrected
    for b in corrected:
        assert b.corrected_on >= _plus_months(b.occurred_on, 1 if b.severity == "minor" else 3), b.pk
    assert Breach.objects.filter(disputed_at__isnull=False).count() >= 3
    overdue = set(Breach.objects.filter(status="disputed", recheck_due_at__lt=timezone.now())
                  .values_list("pk", flat=True))
    assert overdue
    listed = ApiClient("admin").get("/api/v1/supervision/breaches", overdue="true", limit=500).json()
    assert {it["id"] for it in listed["items"]} == overdue

    # project managers, some at their limit of 3 projects at once, none beyond it
    running = (Assignment.objects.filter(Q(end_on__isnull=True) | Q(end_on__gte=until), start_on__lte=until)
               .values("manager_id").annotate(n=Count("pk")).values_list("n", flat=True))
    assert max(running) == 3 and min(running) < 3

    # yearly evaluations 2021–2025 (stored), with a visible spread in the town
    for year in range(2021, 2026):
        lines = list(YearEvaluation.objects.filter(year=year, town=town, score__isnull=False))
        assert len(lines) >= 2, year
    scores = list(YearEvaluation.objects.filter(town=town, score__isnull=False).values_list("score", flat=True))
    grades = set(YearEvaluation.objects.filter(town=town).exclude(grade="").values_list("grade", flat=True))
    assert max(scores) - min(scores) >= 10 and len(grades) >= 2, (min(scores), max(scores), grades)

    # a pool
    assert PoolEntry.objects.filter(status="admitted").exists()

    # the plan's 46 handover inspections of 2016–2020, with defects and their clocks, and later ones
    assert Handover.objects.filter(delivery_on__year__gte=2016, delivery_on__year__lte=2020).count() == 46
    assert Handover.objects.filter(delivery_on__year__gt=2020).exists()
    defects = list(Defect.objects.select_related("handover"))
    assert defects
    for d in defects:
        assert d.due_on == d.found_on + dt.timedelta(days=30)
        assert (d.escalated_at is not None) == (d.fixed_on is None or d.fixed_on > d.due_on), d.pk
    assert any(d.escalated_at for d in defects) and any(not d.escalated_at for d in defects)
