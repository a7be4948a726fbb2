"""Every write to a request and the records beside it is change-logged like any record (issue 13:
requests had no ChangeLog rows; acknowledgements were written by ``.update()``; answers saved
without validation). The expectations are counted here from the ChangeLog table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangguan.core.models import ChangeLog
from fangguan.repairs import services
from fangguan.repairs.models import Escalation, Supervision

pytestmark = pytest.mark.django_db


def logs(model_name, pk):
    return list(ChangeLog.objects.filter(object_type=model_name, object_id=pk).order_by("at", "id"))


def test_filing_and_every_action_are_logged_with_the_fields_that_changed(world):
    r = world.file()
    (created,) = logs("repairrequest", r.pk)
    assert created.action == "create" and created.actor_id == world.resident.pk
    assert created.after["status"] == "submitted" and created.after["estate"] == world.estate.pk
    services.act(world.dispatcher, r, "accept")
    update = logs("repairrequest", r.pk)[-1]
    assert update.action == "update" and update.actor_id == world.dispatcher.pk
    assert update.before["status"] == "submitted" and update.after["status"] == "accepted"
    assert update.before["responded_at"] is None and update.after["responded_at"]


def test_a_refused_action_logs_nothing(world):
    r = world.file()
    before = ChangeLog.objects.count()
    with pytest.raises(services.ActionForbidden):
        services.act(world.resident, r, "accept")
    with pytest.raises(services.ActionConflict):
        services.act(world.resident, r, "confirm", rating=5)
    assert ChangeLog.objects.count() == before


def test_an_acknowledgement_is_a_logged_change_of_the_escalation(world):
    r = world.file()
    services.act(world.resident, r, "escalate", note="一直没人来")
    esc = Escalation.objects.get(request=r)
    (added,) = logs("escalation", esc.pk)
    assert added.action == "create" and added.after["state"] == "sent"
    services.act(world.committee, r, "acknowledge")
    esc.refresh_from_db()
    assert esc.state == "acknowledged" and esc.acknowledged_by == world.committee
    change = logs("escalation", esc.pk)[-1]
    assert (change.action, change.before["state"], change.after["state"]) == ("update", "sent", "acknowledged")
    assert change.actor_id == world.committee.pk


def test_an_answer_is_validated_and_logged(world):
    r = world.file()
    services.act(world.town, r, "supervise", note="请尽快处理", answer_due=timezone.now() + dt.timedelta(days=2))
    sup = Supervision.objects.get(request=r)
    services.act(world.dispatcher, r, "answer", answer="已安排师傅")
    sup.refresh_from_db()
    change = logs("supervision", sup.pk)[-1]
    assert (change.action, change.after["answer"], change.actor_id) == ("update", "已安排师傅", world.dispatcher.pk)


def test_an_answer_breaking_the_models_rules_is_refused_and_changes_nothing(world, monkeypatch):
    from fangguan.repairs.models import Supervision as Model

    r = world.file()
    services.act(world.town, r, "supervise", note="请尽快处理", answer_due=timezone.now() + dt.timedelta(days=2))
    sup = Supervision.objects.get(request=r)
    monkeypatch.setattr(Model, "clean", lambda self: (_ for _ in ()).throw(ValidationError({"answer": "不行"})))
    events, logged = r.events.count(), ChangeLog.objects.count()
    with pytest.raises(ValidationError):
        services.act(world.dispatcher, r, "answer", answer="已安排师傅")
    sup.refresh_from_db()
    assert sup.answer == "" and sup.answered_at is None
    assert (r.events.count(), ChangeLog.objects.count()) == (events, logged)
