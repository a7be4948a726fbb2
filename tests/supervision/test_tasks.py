"""The supervision clocks are registered with huey's periodic tasks: the complaint and handover
defect clock (``services.tick``) every five minutes, the pool's nightly check at 01:10 Shanghai
time — and running each task (huey runs tasks eagerly under tests) does the work."""

from __future__ import annotations

import datetime as dt

import pytest
from huey.contrib.djhuey import HUEY

from fangguan.supervision import services, tasks
from fangguan.supervision.models import ComplaintEscalation, Defect, PoolEntry

from .conftest import at


def _periodic_names() -> set[str]:
    return {t.__name__ for t in HUEY._registry._periodic_tasks}


def test_both_tasks_are_periodic():
    names = _periodic_names()
    assert {"supervision_tick", "supervision_pool_nightly"} <= names, names


@pytest.mark.parametrize(("utc", "runs"), [
    (dt.datetime(2026, 12, 5, 3, 0), True),
    (dt.datetime(2026, 12, 5, 3, 5), True),
    (dt.datetime(2026, 12, 5, 3, 7), False),
])
def test_the_clock_runs_every_five_minutes(utc, runs):
    assert tasks.supervision_tick.task_class().validate_datetime(utc) is runs


@pytest.mark.parametrize(("utc", "runs"), [
    (dt.datetime(2026, 12, 5, 17, 10), True),  # 01:10 in Shanghai (UTC+8, no summer time)
    (dt.datetime(2026, 12, 5, 17, 11), False),
    (dt.datetime(2026, 12, 5, 1, 10), False),  # 01:10 UTC is 09:10 in Shanghai
])
def test_the_pool_check_runs_at_ten_past_one_shanghai_time(utc, runs):
    assert tasks.supervision_pool_nightly.task_class().validate_datetime(utc) is runs


def test_the_clock_task_escalates_late_complaints_and_defects(world):
    complaint = services.complaint_create(actor=world.resident, estate=world.north, description="保洁不到位",
                                          filed_at=at(2025, 3, 3, 10))
    handover = services.handover_create(actor=world.north_manager, estate=world.north, company=world.north_co,
                                        inspected_on=dt.date(2025, 5, 1), delivery_on=dt.date(2025, 6, 30))
    services.handover_act(world.north_manager, handover, "add_defect", description="屋面渗水",
                          found_on=dt.date(2025, 5, 1))
    assert not ComplaintEscalation.objects.filter(complaint=complaint).exists()
    tasks.supervision_tick()  # now: long past both deadlines
    assert set(ComplaintEscalation.objects.filter(complaint=complaint).values_list("level", "deadline")) == {
        ("committee", "response"), ("town", "response"), ("committee", "completion"), ("town", "completion")}
    assert Defect.objects.get(handover=handover).escalated_at is not None
    tasks.supervision_tick()  # idempotent
    assert ComplaintEscalation.objects.filter(complaint=complaint).count() == 4


def test_the_nightly_task_ends_a_term_that_is_over(world):
    entry = PoolEntry.objects.create(company=world.north_co, status="admitted", applied_on=dt.date(2021, 1, 5),
                                     admitted_on=dt.date(2021, 1, 15), term_until=dt.date(2024, 1, 14), grade="B")
    tasks.supervision_pool_nightly()
    entry.refresh_from_db()
    assert entry.status == "expired" and entry.ended_on is not None and entry.reason
