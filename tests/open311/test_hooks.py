"""Repair events reach the outbox (``repairs.<kind>``, no personal data) and the people
concerned (notifications), in the event's own transaction."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from fangguan.core.actors import system_actor
from fangguan.notifications.models import Notification
from fangguan.outbox.models import OutboxEvent
from fangguan.outbox.services import deliver_due, subscriber_create, verify
from fangguan.repairs import services
from fangguan.repairs.choices import EventKind

pytestmark = pytest.mark.django_db


def test_each_event_publishes_one_outbox_event_without_personal_data(world, receiver):
    _, secret = subscriber_create(system_actor(), name="一网统管", url=receiver.url, topics=["repairs.*"])
    request = world.file(contact_name="张三", contact_phone="13812345678")
    services.act(world.manager, request, "accept")
    events = list(OutboxEvent.objects.filter(aggregate_type="repairs.request", aggregate_id=str(request.pk)))
    assert [e.topic for e in events] == ["repairs.created", "repairs.accepted"]
    accepted = events[1].payload
    assert accepted["request"]["id"] == request.pk and accepted["request"]["status"] == "accepted"
    assert accepted["request"]["estate_id"] == world.estate.pk and accepted["request"]["category"] == "water-supply"
    assert accepted["event"]["kind"] == "accepted" and accepted["event"]["from_status"] == "submitted"
    assert accepted["request"]["complete_due_at"] is not None
    text = json.dumps([e.payload for e in events], ensure_ascii=False)
    for personal in ("13812345678", "张三", "漏水", world.resident.username):
        assert personal not in text
    keys = {k for e in events for part in e.payload.values() for k in part}
    assert not keys & {"home", "home_id", "reporter", "reporter_id", "actor", "contact_name", "contact_phone",
                       "description", "note", "assignee"}

    assert deliver_due().delivered == 2
    bodies = [r["body"] for r in receiver.accepted()]
    assert all(verify(secret, body, r["headers"]["X-Fangguan-Signature"])
               for body, r in zip(bodies, receiver.accepted(), strict=True))


def test_people_concerned_are_notified_but_not_the_actor(world):
    request = world.file()
    created = Notification.objects.filter(topic="repairs.created")
    assert world.manager in [n.recipient for n in created]  # the company's manager hears of it
    assert not created.filter(recipient=world.resident).exists()  # the reporter did it herself
    services.act(world.manager, request, "accept")
    accepted = Notification.objects.get(topic="repairs.accepted", recipient=world.resident)
    with translation.override("zh-hans"):
        label = str(EventKind("accepted").label)
    assert accepted.title == f"报修单 #{request.pk}：{label}"
    assert "状态：" in accepted.body and accepted.topic == "repairs.accepted"
    assert accepted.url == f"/repairs/{request.pk}/"  # the request's page
    assert not Notification.objects.filter(topic="repairs.accepted", recipient=world.manager).exists()


def test_a_refused_action_publishes_and_notifies_nothing(world):
    request = world.file()
    before = (OutboxEvent.objects.count(), Notification.objects.count())
    with pytest.raises(services.ActionConflict):
        services.act(world.manager, request, "complete")  # not yet accepted / started
    assert (OutboxEvent.objects.count(), Notification.objects.count()) == before


def test_an_action_through_the_api_publishes_one_event_and_notifies(world, api):
    request = world.file()
    before = OutboxEvent.objects.count()
    answer = api("wuye").post(f"/api/v1/repairs/{request.pk}/actions", {"action": "accept"})
    assert answer.status_code == 200, answer.content
    new = OutboxEvent.objects.order_by("created_at")[before:]
    assert [e.topic for e in new] == ["repairs.accepted"]
    assert new[0].payload["request"]["id"] == request.pk
    inbox = api("yezhu").get("/api/v1/notifications", unread="true").json()
    assert any(i["topic"] == "repairs.accepted" and f"#{request.pk}" in i["title"] for i in inbox["items"])
    refused = api("wuye").post(f"/api/v1/repairs/{request.pk}/actions", {"action": "accept"})
    assert refused.status_code == 409 and OutboxEvent.objects.count() == before + 1  # nothing published
