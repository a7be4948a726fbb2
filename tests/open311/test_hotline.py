"""12345 work orders in: signed by the hotline, idempotent on the order id, due by the hotline's
own time limits; routed by kind (a complaint becomes a supervision complaint against the property
company, every other kind a repair request); and the outcome back out through the outbox."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import time_machine
from django.test import Client

from fangguan.core.actors import system_actor
from fangguan.hotline.services import signature
from fangguan.outbox.models import OutboxEvent
from fangguan.outbox.services import deliver_due, subscriber_create, verify
from fangguan.repairs import deadlines, services
from fangguan.repairs.models import RepairRequest

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# 沪府办〔2018〕62号, restated here: working days to finish each kind of 12345 order.
LIMIT_WORKDAYS = {"consultation": 1, "follow_up": 3, "request": 5, "complaint": 5, "complex": 15}


@pytest.fixture
def hotline(receiver):
    subscriber, secret = subscriber_create(system_actor(), name="12345", url=receiver.url, topics=["hotline.*"])
    return secret


def post(secret, order, *, stamp=None, signed_with=None):
    body = json.dumps(order, ensure_ascii=False).encode()
    stamp = str(int(time.time()) if stamp is None else stamp)
    return Client().post("/api/v1/hotline/orders", body, content_type="application/json",
                         HTTP_X_HOTLINE_TIMESTAMP=stamp,
                         HTTP_X_HOTLINE_SIGNATURE=signature(signed_with or secret, stamp, body))


def order(world, **kw):
    return {"order_id": "SH12345-20261127-0001", "kind": "request", "estate_code": world.estate.code,
            "category": "lighting", "description": "楼道灯不亮", "address": "1号楼", "contact_name": "李四",
            "contact_phone": "13900001111", **kw}


def test_an_order_becomes_one_request_due_by_the_hotline_limit(world, hotline):
    received = dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)  # before the National Day holidays
    first = post(hotline, order(world, received_at=received.isoformat()))
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["created"] is True and body["status"] == "submitted" and body["record"] == "repair"
    expected = deadlines.add_workdays(received, LIMIT_WORKDAYS["request"]).at
    assert dt.datetime.fromisoformat(body["complete_due_at"]) == expected
    assert expected.astimezone(SHANGHAI).date() > dt.date(2026, 10, 8)  # 5 working days skip the holidays
    request = RepairRequest.objects.get(pk=body["id"])
    assert (request.channel, request.external_id, request.estate) == ("hotline", "SH12345-20261127-0001", world.estate)
    assert request.response_due_at <= request.complete_due_at

    again = post(hotline, order(world, received_at=received.isoformat()))
    assert again.status_code == 200 and again.json()["id"] == body["id"] and again.json()["created"] is False
    assert RepairRequest.objects.filter(external_id="SH12345-20261127-0001").count() == 1


@pytest.mark.parametrize("kind", sorted(LIMIT_WORKDAYS))
def test_each_kind_has_its_limit(world, hotline, kind):
    received = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # a Monday
    answer = post(hotline, order(world, order_id=f"K-{kind}", kind=kind, received_at=received.isoformat()))
    due = dt.datetime.fromisoformat(answer.json()["complete_due_at"])
    assert due == deadlines.add_workdays(received, LIMIT_WORKDAYS[kind]).at
    assert answer.json()["record"] == ("complaint" if kind == "complaint" else "repair")


def test_the_hotlines_own_deadline_wins(world, hotline):
    due = dt.datetime.now(SHANGHAI).replace(microsecond=0) + dt.timedelta(days=2)
    answer = post(hotline, order(world, order_id="OWN-1", due_at=due.isoformat()))
    assert answer.status_code == 201 and dt.datetime.fromisoformat(answer.json()["complete_due_at"]) == due


def test_unsigned_stale_or_forged_orders_are_refused(world, hotline, api):
    assert Client().post("/api/v1/hotline/orders", json.dumps(order(world)),
                         content_type="application/json").status_code == 401
    assert post(hotline, order(world), signed_with="forged").status_code == 401
    assert post(hotline, order(world), stamp=int(time.time()) - 3600).status_code == 401
    assert api("admin").post("/api/v1/hotline/orders", order(world)).status_code == 401  # a user token is not the hotline
    assert not RepairRequest.objects.filter(channel="hotline").exists()


def test_bad_orders_are_422(world, hotline):
    assert post(hotline, order(world, estate_code="NOPE")).status_code == 422
    assert post(hotline, order(world, category="no-such")).status_code == 422
    assert post(hotline, order(world, kind="other")).status_code == 422


def test_the_outcome_flows_back_to_the_hotline(world, hotline, receiver):
    request_id = post(hotline, order(world)).json()["id"]
    request = RepairRequest.objects.get(pk=request_id)
    services.act(world.manager, request, "accept")
    outcomes = OutboxEvent.objects.filter(topic="hotline.outcome").order_by("created_at")
    assert [e.payload["event"] for e in outcomes] == ["created", "accepted"]
    assert outcomes.last().payload["order_id"] == "SH12345-20261127-0001"
    assert outcomes.last().payload["status"] == "accepted"
    assert deliver_due().delivered == 2  # only the hotline.* events go to the hotline
    received = receiver.accepted()
    assert [json.loads(r["body"])["payload"]["event"] for r in received] == ["created", "accepted"]
    assert all(verify(hotline, r["body"], r["headers"]["X-Fangguan-Signature"]) for r in received)


def _working_days_after(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` on the official calendar (weekends beyond it)."""
    from fangguan.repairs.models import CalendarDay

    known = dict(CalendarDay.objects.values_list("day", "workday"))
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += known.get(day, day.weekday() < 5)
    return day


def test_a_change_of_urgency_keeps_the_hotlines_deadline(world, hotline):
    """A complex order is due after 15 working days; the company then marks it urgent (or not):
    the response clock changes, the deadline agreed with the hotline does not."""
    received = dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    body = post(hotline, order(world, order_id="CX-1", kind="complex", category="lighting",
                               received_at=received.isoformat())).json()
    last_day = _working_days_after(received.date(), 15)
    agreed = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)  # its 24:00
    request = RepairRequest.objects.get(pk=body["id"])
    assert request.complete_due_at == agreed
    for urgent in (True, False):
        request = services.act(world.manager, request, "change_urgency", urgent=urgent, reason="核实现场")
        assert request.complete_due_at == agreed, urgent
        assert request.response_due_at <= request.complete_due_at


def test_a_hotline_order_beyond_the_published_calendar_is_flagged(world, hotline):
    from django.db.models import Max

    from fangguan.repairs.models import CalendarDay

    last_known = CalendarDay.objects.aggregate(last=Max("day"))["last"]
    received = dt.datetime.combine(last_known - dt.timedelta(days=3), dt.time(10), tzinfo=SHANGHAI)
    with time_machine.travel(received, tick=False):  # 15 working days from here run past the calendar
        body = post(hotline, order(world, order_id="CX-2", kind="complex", received_at=received.isoformat())).json()
        request = RepairRequest.objects.get(pk=body["id"])
        assert request.complete_due_at.astimezone(SHANGHAI).date() > last_known
        assert request.calendar_estimated is True
        request = services.act(world.manager, request, "change_urgency", urgent=True, reason="核实现场")
        assert request.calendar_estimated is True


def test_a_complaint_order_becomes_a_complaint_against_the_company(world, hotline):
    """Kind complaint: a supervision complaint against the company serving the estate (issue 17),
    not a repair request; once per order id; due by the hotline's complaint limit."""
    from fangguan.registry.models import Contract
    from fangguan.supervision.models import Complaint

    received = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # a Monday
    repairs_before = RepairRequest.objects.count()
    first = post(hotline, order(world, order_id="CP-1", kind="complaint", description="物业人员态度恶劣",
                                received_at=received.isoformat()))
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["record"], body["created"], body["status"]) == ("complaint", True, "submitted")
    complaint = Complaint.objects.get(pk=body["id"])
    serving = set(Contract.objects.filter(area__estate=world.estate, start_on__lte=received.date())
                  .exclude(end_on__lt=received.date()).values_list("company_id", flat=True))
    assert (complaint.channel, complaint.external_id, complaint.estate) == ("hotline", "CP-1", world.estate)
    assert complaint.company_id in serving and complaint.reporter is None
    assert "物业人员态度恶劣" in complaint.description and "1号楼" in complaint.description
    assert complaint.complete_due_at == deadlines.add_workdays(received, LIMIT_WORKDAYS["complaint"]).at
    assert RepairRequest.objects.count() == repairs_before
    again = post(hotline, order(world, order_id="CP-1", kind="complaint", description="物业人员态度恶劣"))
    assert again.status_code == 200 and again.json()["id"] == body["id"] and again.json()["created"] is False
    assert Complaint.objects.filter(external_id="CP-1").count() == 1


def test_other_kinds_still_become_repair_requests(world, hotline):
    from fangguan.supervision.models import Complaint

    complaints_before = Complaint.objects.count()
    for n, kind in enumerate(("request", "consultation", "follow_up", "complex")):
        body = post(hotline, order(world, order_id=f"RP-{n}", kind=kind)).json()
        assert body["record"] == "repair"
        assert RepairRequest.objects.get(pk=body["id"]).external_id == f"RP-{n}"
    assert Complaint.objects.count() == complaints_before


def test_a_complaints_outcome_flows_back_to_the_hotline(world, hotline):
    from fangguan.supervision import services as supervision
    from fangguan.supervision.models import Complaint

    complaint = Complaint.objects.get(pk=post(hotline, order(world, order_id="CP-2", kind="complaint")).json()["id"])
    supervision.complaint_act(world.manager, complaint, "reply", reply="已约谈当事员工并致歉")
    outcomes = list(OutboxEvent.objects.filter(topic="hotline.outcome", aggregate_id="CP-2").order_by("created_at"))
    assert [e.payload["event"] for e in outcomes] == ["created", "replied"]
    last = outcomes[-1].payload
    assert (last["order_id"], last["complaint_id"], last["status"], last["closed"]) == (
        "CP-2", complaint.pk, "replied", False)
    assert last["note"] == "已约谈当事员工并致歉"


def test_a_complaint_about_an_estate_nobody_serves_is_refused_and_changes_nothing(world, hotline):
    from django.db.models import Q
    from django.utils import timezone

    from fangguan.registry import models as rm
    from fangguan.supervision.models import Complaint

    today = timezone.localdate()
    served = rm.Contract.objects.filter(Q(end_on__isnull=True) | Q(end_on__gte=today), start_on__lte=today,
                                        terminated_on__isnull=True).values("area__estate_id")
    unserved = rm.Estate.objects.exclude(pk__in=served).order_by("pk").first()
    if unserved is None:  # the demo serves every estate: take the contracts of one away
        unserved = world.estate
        rm.Contract.objects.filter(area__estate=unserved).update(terminated_on=today - dt.timedelta(days=1))
    before = Complaint.objects.count()
    r = post(hotline, order(world, order_id="CP-3", kind="complaint", estate_code=unserved.code))
    assert r.status_code == 422 and r.json()["detail"]
    assert Complaint.objects.count() == before
