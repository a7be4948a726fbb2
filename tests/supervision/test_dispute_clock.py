"""The dispute clock (沪房规范〔2023〕2号: a disputed breach is re-checked within 15 working days):
``services.tick`` reminds the bureau's officers once the re-check is within 3 working days, and
tells them once it is overdue — once each, however often the clock runs — and the bureau's list
shows the overdue disputes. Working days are counted here with ``chinese_calendar`` (holidays and
make-up working days), not with the code's calendar."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from fangguan.notifications.models import Notification
from fangguan.supervision import services
from fangguan.supervision.models import Breach, BreachEvent
from tests.conftest import ApiClient

from .conftest import LOCAL, at, login

REMINDER = "supervision.breach.reminder"
OVERDUE = "supervision.breach.overdue"


def _after(day: dt.date, n: int) -> dt.date:
    """The n-th working day after ``day``."""
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return day


def _before(day: dt.date, n: int) -> dt.date:
    """The n-th working day before ``day``."""
    counted = 0
    while counted < n:
        day -= dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return day


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL)


def _notices(user, topic) -> int:
    return Notification.objects.filter(recipient=user, topic=topic).count()


def _disputed(w, when, day=dt.date(2025, 1, 10)):
    b = services.breach_record(actor=w.bureau, company=w.north_co, severity="minor", rule="沪房规范〔2023〕3号 第X条",
                               occurred_on=day)
    return services.breach_act(w.north_manager, b, "dispute", reason="整改已完成，记录有误", now=when)


# a Friday before the National Day holiday (make-up Sunday 28 Sep, holiday 1–8 Oct, make-up
# Saturday 11 Oct); a Monday before the Spring Festival (make-up Sunday 26 Jan, holiday 28 Jan –
# 4 Feb, make-up Saturday 8 Feb); an ordinary Wednesday
@pytest.mark.parametrize("when", [at(2025, 9, 26, 15), at(2025, 1, 20, 9), at(2025, 6, 11, 11)])
def test_reminded_before_the_day_and_told_when_overdue_once_each(world, when):
    b = _disputed(world, when)
    due_day = _after(when.date(), 15)
    assert b.recheck_due_at == _midnight(due_day + dt.timedelta(days=1))  # the end of the 15th working day
    remind_day = _before(due_day, 3)  # the re-check is due on the 3rd working day after it

    assert services.tick(now=_midnight(remind_day) - dt.timedelta(minutes=1))["disputes_reminded"] == 0
    assert _notices(world.bureau, REMINDER) == 0
    assert services.tick(now=_midnight(remind_day))["disputes_reminded"] == 1
    assert _notices(world.bureau, REMINDER) == 1
    assert Breach.objects.get(pk=b.pk).recheck_reminded_at == _midnight(remind_day)
    # the clock runs again, and again on the last day: nothing more
    assert services.tick(now=_midnight(remind_day))["disputes_reminded"] == 0
    assert services.tick(now=_midnight(due_day) + dt.timedelta(hours=10))["disputes_reminded"] == 0
    assert _notices(world.bureau, REMINDER) == 1

    # the end of the 15th working day is still in time; a second after it, overdue
    assert services.tick(now=b.recheck_due_at)["disputes_overdue"] == 0
    assert _notices(world.bureau, OVERDUE) == 0
    late = b.recheck_due_at + dt.timedelta(seconds=1)
    assert services.tick(now=late)["disputes_overdue"] == 1
    assert services.tick(now=late)["disputes_overdue"] == 0
    assert services.tick(now=late + dt.timedelta(days=9))["disputes_overdue"] == 0
    assert (_notices(world.bureau, REMINDER), _notices(world.bureau, OVERDUE)) == (1, 1)
    assert Breach.objects.get(pk=b.pk).recheck_overdue_at == late
    assert list(BreachEvent.objects.filter(breach=b, kind="reminded").values_list("data__overdue", flat=True)
                .order_by("pk")) == [False, True]
    # the company is not told: the reminder is the bureau's
    assert _notices(world.north_manager, REMINDER) + _notices(world.north_manager, OVERDUE) == 0


def test_a_dispute_decided_in_time_is_not_chased(world):
    when = at(2025, 6, 11, 11)
    b = _disputed(world, when)
    services.breach_act(world.bureau, b, "uphold", note="复核维持", now=when + dt.timedelta(days=2))
    services.tick(now=b.recheck_due_at + dt.timedelta(days=1))
    assert _notices(world.bureau, REMINDER) + _notices(world.bureau, OVERDUE) == 0
    assert not BreachEvent.objects.filter(breach=b, kind="reminded").exists()


def test_first_seen_overdue_gets_only_the_overdue_notice(world):
    b = _disputed(world, at(2025, 6, 11, 11))
    counts = services.tick(now=b.recheck_due_at + dt.timedelta(days=5))
    assert (counts["disputes_reminded"], counts["disputes_overdue"]) == (0, 1)
    assert (_notices(world.bureau, REMINDER), _notices(world.bureau, OVERDUE)) == (0, 1)
    services.tick(now=b.recheck_due_at + dt.timedelta(days=6))
    assert (_notices(world.bureau, REMINDER), _notices(world.bureau, OVERDUE)) == (0, 1)


def test_the_bureau_lists_the_overdue_disputes(world):
    from django.utils import timezone

    overdue_old = _disputed(world, at(2025, 3, 3, 10), day=dt.date(2025, 3, 1))
    overdue_new = _disputed(world, at(2025, 6, 11, 11))
    in_time = _disputed(world, timezone.now())  # due 15 working days from now
    recorded = services.breach_record(actor=world.bureau, company=world.north_co, severity="minor", rule="r",
                                      occurred_on=dt.date(2025, 1, 1))
    decided = _disputed(world, at(2025, 4, 1, 10))
    services.breach_act(world.bureau, decided, "annul", note="复核撤销", now=at(2025, 4, 30, 10))
    bureau = ApiClient(world.bureau.username)
    body = bureau.get("/api/v1/supervision/breaches", company=world.north_co.pk, overdue="true").json()
    assert [it["id"] for it in body["items"]] == [overdue_old.pk, overdue_new.pk]  # the longest overdue first
    assert all(it["recheck_overdue"] for it in body["items"])
    rest = bureau.get("/api/v1/supervision/breaches", company=world.north_co.pk, overdue="false").json()
    assert {it["id"] for it in rest["items"]} == {in_time.pk, recorded.pk, decided.pk}
    assert not any(it["recheck_overdue"] for it in rest["items"])
    page = login(world.bureau).get(f"/supervision/companies/{world.north_co.pk}/credit/").content.decode()
    assert page.count("app-recheck-overdue") == 2
