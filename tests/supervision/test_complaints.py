"""Complaints on the repairs clock: deadlines in working days (counted here with
``chinese_calendar``: taken on by the end of the next working day, replied to within the 12345
complaint limit of 5), the hotline's own deadline kept, one complaint per 12345 order; the clock
walks the repairs ladder (committee, then the town office after the repairs grace hours), once
per deadline; the exhaustive table; an upheld complaint becomes a breach."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from fangguan.core.machine import ActionConflict
from fangguan.supervision import services
from fangguan.supervision.machine import COMPLAINT
from fangguan.supervision.models import Complaint, ComplaintEscalation
from tests.kit.machines import SAME, check_every_transition

from .conftest import LOCAL, at


def end_of_nth_workday(start, n):
    day, counted = start.astimezone(LOCAL).date(), 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL)


def file(w, when, **kw):
    return services.complaint_create(actor=kw.pop("by", w.resident), estate=w.north, description="保洁不到位",
                                     filed_at=when, **kw)


@pytest.mark.parametrize("when", [at(2025, 3, 3, 10), at(2025, 9, 30, 16), at(2026, 2, 13, 9)])
def test_deadlines_in_working_days(world, when):
    c = file(world, when)
    assert c.company == world.north_co and c.reporter == world.resident
    assert c.response_due_at == end_of_nth_workday(when, 1)
    assert c.complete_due_at == end_of_nth_workday(when, 5)


def test_hotline_order_keeps_its_deadline_and_is_filed_once(world):
    from fangguan.core.actors import system_actor

    due = at(2025, 3, 20, 17)
    first = file(world, at(2025, 3, 3), by=system_actor(), channel="hotline", external_id="12345-001", due_at=due)
    again = file(world, at(2025, 3, 3), by=system_actor(), channel="hotline", external_id="12345-001", due_at=due)
    assert first.pk == again.pk and first.complete_due_at == due and first.reporter is None
    assert Complaint.objects.filter(external_id="12345-001").count() == 1


def test_the_clock_climbs_the_repairs_ladder(world):
    c = file(world, at(2025, 3, 3, 10))  # Monday: taken on by the end of Tuesday, reply by the end of Monday 10th
    assert services.tick(now=at(2025, 3, 4, 23, 59))["to_committee"] == 0
    assert services.tick(now=at(2025, 3, 5, 0, 1))["to_committee"] == 1
    assert services.tick(now=at(2025, 3, 5, 0, 1))["to_committee"] == 0  # idempotent
    assert services.tick(now=at(2025, 3, 5, 23, 59))["to_town"] == 0  # the repairs grace: 24 hours
    assert services.tick(now=at(2025, 3, 6, 0, 1))["to_town"] == 1
    c = services.complaint_act(world.north_manager, Complaint.objects.get(pk=c.pk), "take", now=at(2025, 3, 6, 9))
    counts = services.tick(now=at(2025, 3, 11, 0, 1))  # the reply is late now
    assert (counts["to_committee"], counts["to_town"]) == (1, 0)
    assert list(ComplaintEscalation.objects.filter(complaint=c).order_by("pk").values_list("level", "deadline")) == [
        ("committee", "response"), ("town", "response"), ("committee", "completion")]
    c = services.complaint_act(world.hood, c, "acknowledge", now=at(2025, 3, 11, 9))
    assert not c.escalations.filter(level="committee", state="sent").exists()
    c = services.complaint_act(world.north_manager, c, "reply", reply="已加派保洁", now=at(2025, 3, 11, 10))
    assert c.status == "replied"
    assert services.tick(now=at(2025, 3, 20)) == {"to_committee": 0, "to_town": 0, "defects_to_bureau": 0,
                                                  "disputes_reminded": 0, "disputes_overdue": 0}


@override_settings(REPAIRS_TOWN_GRACE_HOURS=2)
def test_the_grace_is_the_repairs_setting(world):
    file(world, at(2025, 3, 3, 10))
    services.tick(now=at(2025, 3, 5, 0, 1))
    assert services.tick(now=at(2025, 3, 5, 2, 2))["to_town"] == 1


def test_upheld_complaint_becomes_a_breach(world):
    c = file(world, at(2025, 3, 3))
    with pytest.raises(ValidationError):  # not decided yet
        services.breach_record(actor=world.bureau, company=world.north_co, severity="minor", rule="r",
                               occurred_on=dt.date(2025, 3, 3), complaint=c)
    c = services.complaint_act(world.officer, c, "uphold", decision="属实")
    b = services.breach_record(actor=world.bureau, company=world.north_co, severity="minor", rule="r",
                               occurred_on=dt.date(2025, 3, 3), complaint=c)
    assert b.complaint == c and b.estate == world.north
    with pytest.raises(ActionConflict):
        services.complaint_act(world.officer, c, "dismiss", decision="x")


COMPLAINT_EXPECTED = {
    "take": ({"company"}, {"submitted": "handling"}),
    "reply": ({"company"}, {"submitted": "replied", "handling": "replied"}),
    "uphold": ({"town", "bureau"}, {"submitted": "upheld", "handling": "upheld", "replied": "upheld"}),
    "dismiss": ({"town", "bureau"}, {"submitted": "dismissed", "handling": "dismissed", "replied": "dismissed"}),
    "withdraw": ({"reporter"}, {"submitted": "withdrawn", "handling": "withdrawn"}),
    "escalate": ({"reporter", "committee", "system"}, {"submitted": SAME, "handling": SAME}),
    "acknowledge": ({"committee", "town"}, {"submitted": SAME, "handling": SAME, "replied": SAME}),
}


def test_every_complaint_transition(world):
    from fangguan.core.actors import system_actor

    actors = {"reporter": world.resident, "company": world.north_manager, "committee": world.hood,
              "town": world.officer, "bureau": world.bureau, "system": system_actor(),
              "outsider": world.south_manager, "technician": world.north_tech, "other_town": world.other_town}
    base = file(world, at(2025, 3, 3))

    def record_in(state):
        c = Complaint.objects.get(pk=base.pk)
        c.pk = None
        c.external_id = None
        c.status = state
        c.save()
        return c

    def prepare(c, action):
        if action == "acknowledge":
            ComplaintEscalation.objects.create(complaint=c, level="committee", deadline="manual", sent_at=at(2025, 3, 4))
            ComplaintEscalation.objects.create(complaint=c, level="town", deadline="manual", sent_at=at(2025, 3, 4))

    check_every_transition(
        machine=COMPLAINT, expected=COMPLAINT_EXPECTED,
        states=["submitted", "handling", "replied", "upheld", "dismissed", "withdrawn"],
        capacities=list(actors), record_in=record_in, actor=actors.__getitem__, prepare=prepare,
        perform=lambda u, c, a: services.complaint_act(u, c, a, reply="答复", decision="决定", note="说明"),
        snapshot=lambda c: (Complaint.objects.filter(pk=c.pk).values_list("status", "responded_at", "replied_at",
                                                                          "decision").get(),
                            tuple(c.escalations.values_list("level", "state"))),
        events=lambda c: c.events.count())
