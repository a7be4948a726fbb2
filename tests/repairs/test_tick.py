"""The clock run at chosen instants: escalation to the committee past a deadline, to the town
past the grace period, auto-close after 7 days — and running it twice at one instant adds nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from fangguan.outbox.models import OutboxEvent
from fangguan.repairs import services
from fangguan.repairs.models import Escalation, RepairEvent

pytestmark = pytest.mark.django_db


def state(r):
    return (sorted(Escalation.objects.filter(request=r).values_list("level", "deadline", "state")),
            RepairEvent.objects.filter(request=r).count())


def test_escalation_at_chosen_instants_and_idempotent(world):
    t0 = timezone.now()
    r = world.file(at=t0, category=world.urgent_category)  # response due within 2 h (or 30 min)
    assert services.tick(r.response_due_at - dt.timedelta(seconds=1)) == {"closed": 0, "to_committee": 0, "to_town": 0}
    just_after = r.response_due_at + dt.timedelta(minutes=1)
    assert services.tick(just_after)["to_committee"] == 1
    first = state(r)
    assert first[0] == [("committee", "response", "sent")]
    assert services.tick(just_after) == {"closed": 0, "to_committee": 0, "to_town": 0}
    assert state(r) == first  # twice at the same instant adds nothing
    # accepted late: the response clock stops, but the completion clock still runs
    services.act(world.dispatcher, r, "accept", now=just_after)
    past_grace = r.complete_due_at + dt.timedelta(hours=25)
    counts = services.tick(past_grace)
    assert counts == {"closed": 0, "to_committee": 1, "to_town": 1}
    assert state(r)[0] == [("committee", "completion", "sent"), ("committee", "response", "sent"),
                           ("town", "completion", "sent")]
    events = list(r.events.filter(kind="escalated").values_list("actor", "data__level"))
    system = get_user_model().objects.get(is_system=True).pk  # the clock acts as the system actor
    assert events == [(system, "committee"), (system, "committee"), (system, "town")]
    before = state(r)
    services.tick(past_grace)
    services.tick(past_grace + dt.timedelta(minutes=1))
    assert state(r) == before


def test_the_grid_acknowledges_what_it_received(world):
    r = world.file()
    services.tick(r.complete_due_at + dt.timedelta(days=2))
    with pytest.raises(services.ActionForbidden):
        services.act(world.dispatcher, r, "acknowledge")
    services.act(world.committee, r, "acknowledge")
    # response and completion both missed: two hand-offs to each body
    assert sorted(r.escalations.values_list("level", "state")) == [
        ("committee", "acknowledged"), ("committee", "acknowledged"), ("town", "sent"), ("town", "sent")]
    with pytest.raises(services.ActionConflict):
        services.act(world.committee, r, "acknowledge")
    services.act(world.town, r, "acknowledge")
    assert set(r.escalations.values_list("state", flat=True)) == {"acknowledged"}


def test_a_deferred_request_escalates_only_after_its_new_date(world):
    r = world.file()
    until = timezone.localdate() + dt.timedelta(days=30)
    r = services.act(world.dispatcher, r, "defer", until=until, reason="等维修资金")
    assert services.tick(r.complete_due_at - dt.timedelta(minutes=1))["to_committee"] == 0
    assert services.tick(r.complete_due_at + dt.timedelta(minutes=1))["to_committee"] == 1


def test_completed_requests_without_an_answer_close_after_seven_days(world):
    r = world.file()
    for action in ("accept", "start", "complete"):
        r = services.act(world.dispatcher, r, action)
    before = set(OutboxEvent.objects.values_list("pk", flat=True))
    assert services.tick(r.completed_at + dt.timedelta(days=6, hours=23))["closed"] == 0
    assert services.tick(r.completed_at + dt.timedelta(days=7))["closed"] == 1
    assert services.tick(r.completed_at + dt.timedelta(days=7))["closed"] == 0
    r.refresh_from_db()
    assert r.status == "closed" and r.rating is None
    new = OutboxEvent.objects.exclude(pk__in=before)
    assert [(e.topic, e.aggregate_id) for e in new] == [("repairs.closed", str(r.pk))]
    closed = r.events.get(kind="closed")
    assert closed.actor.is_system and closed.actor.username == "system"  # the clock acts as the system
    assert r.escalations.count() == 0  # completed on time: nothing to escalate


def test_the_command_takes_an_instant(world):
    r = world.file()
    out = StringIO()
    when = (r.complete_due_at + dt.timedelta(days=3)).isoformat()
    call_command("repairs_tick", "--now", when, stdout=out)
    assert out.getvalue().strip() == "closed=0 to_committee=2 to_town=2"  # response and completion
    out = StringIO()
    call_command("repairs_tick", "--now", when, stdout=out)
    assert out.getvalue().strip() == "closed=0 to_committee=0 to_town=0"
