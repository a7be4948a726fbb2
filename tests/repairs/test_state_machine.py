"""Every (state, action, capacity): allowed ones lead where the issue says and write one event;
the others raise 403 (not for this actor) or 409 (not in this state) and change nothing.

The expectations are restated here by hand from issue #7, not read from ``machine.TABLE``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangguan.core.actors import system_actor
from fangguan.repairs import services
from fangguan.repairs.choices import Deadline, Level
from fangguan.repairs.machine import ACTIONS, MACHINE
from fangguan.repairs.models import Escalation, RepairEvent, RepairRequest, Supervision

from ..kit.machines import SAME, check_every_transition

pytestmark = pytest.mark.django_db

STATES = ["submitted", "accepted", "in_progress", "completed", "closed", "deferred", "rejected", "reopened",
          "cancelled"]
WORKING = {"submitted", "accepted", "in_progress", "deferred", "reopened"}
OPEN = WORKING | {"completed"}

# action: (who may, {from state: to state})
EXPECTED = {
    "accept": ({"dispatcher"}, {"submitted": "accepted", "reopened": "accepted"}),
    "assign": ({"dispatcher"}, {"submitted": "accepted", "reopened": "accepted", "accepted": SAME,
                                "in_progress": SAME, "deferred": SAME}),
    "start": ({"dispatcher", "technician"}, {"accepted": "in_progress", "deferred": "in_progress"}),
    "complete": ({"dispatcher", "technician"}, {"in_progress": "completed"}),
    "defer": ({"dispatcher"}, {s: "deferred" for s in ("submitted", "accepted", "in_progress", "reopened")}),
    "reject": ({"dispatcher"}, {s: "rejected" for s in ("submitted", "accepted", "reopened")}),
    "change_urgency": ({"dispatcher"}, {s: SAME for s in WORKING}),
    "escalate": ({"reporter", "committee", "system"}, {s: SAME for s in WORKING}),
    "acknowledge": ({"committee", "town"}, {s: SAME for s in OPEN}),
    "supervise": ({"committee", "town", "bureau"}, {s: SAME for s in OPEN}),
    "answer": ({"dispatcher"}, {s: SAME for s in OPEN}),
    "confirm": ({"reporter"}, {"completed": "closed"}),
    "reopen": ({"reporter"}, {"completed": "reopened"}),
    "cancel": ({"reporter"}, {s: "cancelled" for s in ("submitted", "accepted", "deferred", "reopened")}),
    "merge": ({"dispatcher", "committee", "town", "bureau"}, {s: "closed" for s in WORKING}),
    "close": ({"system"}, {"completed": "closed"}),
}
CAPACITIES = ["reporter", "dispatcher", "technician", "committee", "town", "bureau", "system", "auditor",
              "other_company", "other_resident", "anonymous"]


def test_the_expectations_cover_every_action():
    assert set(EXPECTED) == set(ACTIONS)


def _actor(world, capacity):
    return {
        "reporter": world.resident, "dispatcher": world.dispatcher, "technician": world.technician,
        "committee": world.committee, "town": world.town, "bureau": world.bureau, "system": system_actor(),
        "anonymous": None,
        "auditor": world.auditor, "other_company": world.other_dispatcher, "other_resident": world.other_resident,
    }[capacity]


def _params(world, action, req, target, now):
    return {
        "assign": {"assignee": world.technician.pk},
        "defer": {"until": (now + dt.timedelta(days=5)).date(), "reason": "等配件"},
        "reject": {"reason": "不属于物业维修范围"},
        "change_urgency": {"urgent": not req.urgent, "reason": "现场核实"},
        "escalate": {"note": "一直没人来"},
        "supervise": {"note": "请尽快处理", "answer_due": now + dt.timedelta(days=2)},
        "answer": {"answer": "已安排师傅"},
        "confirm": {"rating": 5, "comment": "修好了"},
        "reopen": {"comment": "还在漏"},
        "merge": {"into": target.pk},
    }.get(action, {})


def _put_in(req, state, now):
    fields = {"status": state}
    if state not in ("submitted",):
        fields["responded_at"] = now
    if state in ("completed", "closed"):
        fields["completed_at"] = now
    if state in ("closed", "rejected", "cancelled"):
        fields["closed_at"] = now
    RepairRequest.objects.filter(pk=req.pk).update(**fields)
    req.refresh_from_db()


def _snapshot(req):
    req = RepairRequest.objects.get(pk=req.pk)
    return ({f.name: getattr(req, f.attname) for f in RepairRequest._meta.concrete_fields},
            RepairEvent.objects.filter(request=req).count(), Escalation.objects.filter(request=req).count(),
            list(Supervision.objects.filter(request=req).values()))


def test_every_state_action_and_capacity(world):
    now = timezone.now()
    target = world.file(description="另一处漏水", place="stairwell", home=None, category=world.urgent_category)

    def record_in(state):
        req = world.file(description=f"状态 {state}")
        _put_in(req, state, now)
        return req

    def prepare(req, action):
        if action == "acknowledge":
            for level in (Level.COMMITTEE, Level.TOWN):
                Escalation.objects.create(request=req, level=level, deadline=Deadline.MANUAL, sent_at=now)
        if action == "answer":
            Supervision.objects.create(request=req, by=world.bureau, note="督办", created_at=now,
                                       answer_due_at=now + dt.timedelta(days=1))

    def perform(actor, req, action):
        state = req.status
        after = services.act(actor, req, action, now=now, **_params(world, action, req, target, now))
        event = RepairEvent.objects.filter(request=req).latest("pk")
        assert (event.actor, event.at, event.from_status, event.to_status) == (actor, now, state, after.status)
        return after

    check_every_transition(
        machine=MACHINE, expected=EXPECTED, states=STATES, capacities=CAPACITIES, record_in=record_in,
        actor=lambda capacity: _actor(world, capacity), perform=perform, snapshot=_snapshot, prepare=prepare,
        events=lambda req: RepairEvent.objects.filter(request=req).count())
