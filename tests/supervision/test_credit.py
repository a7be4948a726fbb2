"""Each credit rule at its boundaries, against oracles written here: points 18 / 6 / 3;
correction from exactly 1 month (minor) or 3 months (more serious) after the breach, never for
an especially serious one; publication ending 1 year after; the dispute re-checked within 15
working days (counted here with ``chinese_calendar``); a fourth project at once refused."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError

from fangguan.core.machine import ActionConflict, ActionForbidden
from fangguan.supervision import selectors, services
from fangguan.supervision.models import Breach

from .conftest import LOCAL, at


def record(w, severity="minor", day=dt.date(2025, 1, 31), **kw):
    return services.breach_record(actor=w.bureau, company=w.north_co, severity=severity, rule="沪房规范〔2023〕3号 第X条",
                                  occurred_on=day, **kw)


@pytest.mark.parametrize(("severity", "points"), [("especially_serious", 18), ("more_serious", 6), ("minor", 3)])
def test_points_by_severity(world, severity, points):
    b = record(world, severity)
    assert b.points == points
    assert selectors.credit_file(world.bureau, company=world.north_co, as_of=dt.date(2025, 2, 1))["points"] == points


def test_points_sum_and_not_before_the_breach(world):
    record(world, "minor", dt.date(2025, 3, 1))
    record(world, "more_serious", dt.date(2025, 3, 10))
    file = lambda day: selectors.credit_file(world.bureau, company=world.north_co, as_of=day)["points"]  # noqa: E731
    assert file(dt.date(2025, 2, 28)) == 0
    assert file(dt.date(2025, 3, 1)) == 3
    assert file(dt.date(2025, 3, 10)) == 9


@pytest.mark.parametrize(("severity", "first_day"), [
    ("minor", dt.date(2025, 2, 28)),  # 31 January + 1 month: February has no 31st
    ("more_serious", dt.date(2025, 4, 30)),  # + 3 months
])
def test_correction_from_exactly_its_months(world, severity, first_day):
    b = record(world, severity, dt.date(2025, 1, 31))
    day_before = dt.datetime.combine(first_day - dt.timedelta(days=1), dt.time(23, 59), tzinfo=LOCAL)
    with pytest.raises(ActionConflict):
        services.breach_act(world.bureau, b, "correct", now=day_before)
    b.refresh_from_db()
    assert b.status == "recorded" and b.corrected_on is None
    on_day = dt.datetime.combine(first_day, dt.time(0, 1), tzinfo=LOCAL)
    b = services.breach_act(world.bureau, b, "correct", now=on_day)
    assert (b.status, b.corrected_on) == ("corrected", first_day)
    points = lambda day: selectors.credit_file(world.bureau, company=world.north_co, as_of=day)["points"]  # noqa: E731
    assert points(first_day - dt.timedelta(days=1)) == b.points  # counted until corrected
    assert points(first_day) == 0  # removed from the score
    assert b.pk in [x.pk for x in selectors.credit_file(world.bureau, company=world.north_co,
                                                        as_of=first_day)["published"]]  # still published


def test_especially_serious_never_corrected(world):
    b = record(world, "especially_serious", dt.date(2024, 1, 1))
    with pytest.raises(ActionConflict):
        services.breach_act(world.bureau, b, "correct", now=at(2026, 1, 1))


def test_published_for_one_year(world):
    b = record(world, "minor", dt.date(2024, 2, 29))
    assert b.published_until == dt.date(2025, 2, 28)
    published = lambda day: [x.pk for x in selectors.credit_file(  # noqa: E731
        world.bureau, company=world.north_co, as_of=day)["published"]]
    assert published(dt.date(2025, 2, 27)) == [b.pk]
    assert published(dt.date(2025, 2, 28)) == []
    assert selectors.credit_file(world.bureau, company=world.north_co, as_of=dt.date(2025, 2, 28))["points"] == 0


def _workdays_oracle(start: dt.datetime, n: int) -> dt.datetime:
    day, counted = start.astimezone(LOCAL).date(), 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL)


@pytest.mark.parametrize("when", [at(2025, 9, 26, 15), at(2025, 1, 20, 9), at(2025, 4, 30, 18)])
def test_dispute_rechecked_within_15_working_days(world, when):
    b = record(world, "minor", dt.date(2025, 1, 10))
    b = services.breach_act(world.north_manager, b, "dispute", reason="整改已完成，记录有误", now=when)
    assert b.status == "disputed"
    assert b.recheck_due_at == _workdays_oracle(when, 15)
    with pytest.raises(ActionForbidden):  # the company cannot decide its own dispute
        services.breach_act(world.north_manager, b, "annul", note="x", now=when)
    b = services.breach_act(world.bureau, b, "uphold", note="复核维持", now=when + dt.timedelta(days=3))
    assert b.status == "recorded"
    with pytest.raises(ActionConflict):  # disputed once
        services.breach_act(world.north_manager, b, "dispute", reason="again", now=when + dt.timedelta(days=4))


def test_annulled_breach_counts_nowhere(world):
    b = record(world, "more_serious", dt.date(2025, 1, 10))
    services.breach_act(world.north_manager, b, "dispute", reason="并非本公司服务范围", now=at(2025, 1, 12))
    services.breach_act(world.bureau, Breach.objects.get(pk=b.pk), "annul", note="复核撤销", now=at(2025, 1, 20))
    f = selectors.credit_file(world.bureau, company=world.north_co, as_of=dt.date(2025, 2, 1))
    assert f["points"] == 0 and f["published"] == []


def test_only_the_bureau_records(world):
    for who in ("officer", "north_manager", "resident", "auditor"):
        with pytest.raises(Exception) as exc:
            record(world, "minor", manager=None) if who == "bureau" else services.breach_record(
                actor=world.users[who], company=world.north_co, severity="minor", rule="r", occurred_on=dt.date(2025, 1, 1))
        assert exc.type.__name__ in ("PermissionDenied", "ActionForbidden")
    assert not Breach.objects.exists()


def test_fourth_project_refused(world):
    m = services.manager_create(actor=world.north_manager, company=world.north_co, name="李经理", certificate_no="PM-1")
    estates = [world.north, world.south, world.north]
    start = dt.date(2025, 1, 1)
    for n, estate in enumerate(estates):
        services.assign_manager(actor=world.north_manager, manager=m, estate=estate, start_on=start + dt.timedelta(days=n))
    with pytest.raises(ValidationError) as exc:
        services.assign_manager(actor=world.north_manager, manager=m, estate=world.south, start_on=dt.date(2025, 6, 1))
    assert "最多同时负责 3 个项目" in str(exc.value)  # a clear message, in Chinese
    assert m.assignments.count() == 3
    # a project that ends before the others start is not at the same time
    services.assign_manager(actor=world.north_manager, manager=m, estate=world.south, start_on=dt.date(2024, 1, 1),
                            end_on=dt.date(2024, 12, 31))
    # once one ends, a new one fits after it
    a = m.assignments.order_by("start_on").last()
    a.end_on = dt.date(2025, 6, 30)
    a.save()
    services.assign_manager(actor=world.north_manager, manager=m, estate=world.south, start_on=dt.date(2025, 7, 1))
    with pytest.raises(ValidationError):  # and one starting while four... no: while three run
        services.assign_manager(actor=world.north_manager, manager=m, estate=world.south, start_on=dt.date(2025, 8, 1))


def test_another_company_cannot_assign(world):
    m = services.manager_create(actor=world.north_manager, company=world.north_co, name="王经理", certificate_no="PM-2")
    with pytest.raises(Exception) as exc:
        services.assign_manager(actor=world.south_manager, manager=m, estate=world.south, start_on=dt.date(2025, 1, 1))
    assert exc.type.__name__ == "PermissionDenied"
    assert not m.assignments.exists()
