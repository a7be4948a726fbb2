"""The supervision demo builds from the registry's records (a short span here; the full demo
runs it from 2021): inspections of every served estate, findings, breaches, complaints, project
managers within their limit, handovers with a developer each, and a pool."""

from __future__ import annotations

import datetime as dt

from fangguan.supervision import demo
from fangguan.supervision.models import Assignment, Handover, Inspection, InspectionResult


def test_the_demo_builds(db):
    counts = demo.build(since=dt.date(2025, 11, 1), until=dt.date(2025, 12, 31))
    assert counts["inspections"] == Inspection.objects.count() > 0
    assert InspectionResult.objects.count() >= 6 * counts["inspections"]
    assert counts["handovers"] == Handover.objects.count() > 0
    assert all(h.estate.developer_id == h.developer_id for h in Handover.objects.select_related("estate"))
    per_manager = {}
    for a in Assignment.objects.all():
        per_manager[a.manager_id] = per_manager.get(a.manager_id, 0) + 1
    assert per_manager and max(per_manager.values()) <= 3
