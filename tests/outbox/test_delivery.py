"""Outbox delivery against a real HTTP server that fails, then recovers: every event arrives
exactly once after recovery, signed, and the log keeps the failures."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from fangguan.core.actors import system_actor
from fangguan.outbox.models import Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent
from fangguan.outbox.services import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    _claim,
    backoff_seconds,
    deliver_due,
    publish,
    subscriber_create,
    verify,
)

pytestmark = pytest.mark.django_db


def _subscriber(url, topics=("repairs.*",), name="一网统管"):
    return subscriber_create(system_actor(), name=name, url=url, topics=list(topics))


def test_publish_writes_event_and_deliveries_in_the_callers_transaction(receiver):
    sub, _ = _subscriber(receiver.url)
    _subscriber(receiver.url, topics=["hotline.*"], name="12345")
    with pytest.raises(RuntimeError), transaction.atomic():
        publish("repairs.created", {"id": 1})
        raise RuntimeError("the change fails")
    assert not OutboxEvent.objects.exists()  # rolled back with its change
    event = publish("repairs.created", {"id": 1}, aggregate_type="repair", aggregate_id=1)
    assert [d.subscriber for d in event.deliveries.all()] == [sub]  # only the interested subscriber


def test_failing_subscriber_loses_nothing_and_gets_each_event_once_after_recovery(receiver):
    sub, secret = _subscriber(receiver.url)
    events = [publish(f"repairs.{kind}", {"id": i, "status": kind}, aggregate_type="repair", aggregate_id=i)
              for i, kind in enumerate(["created", "accepted", "completed"], start=1)]
    t0 = timezone.now()

    receiver.status = 503
    first = deliver_due(now=t0)
    assert (first.delivered, first.failed) == (0, 3)
    receiver.status = "drop"  # down hard: the connection is closed without an answer
    assert deliver_due(now=t0).failed == 0  # nothing is due again before its back-off
    second = deliver_due(now=t0 + timedelta(seconds=backoff_seconds(1)))
    assert (second.delivered, second.failed) == (0, 3)
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {2}

    receiver.status = 200  # recovered
    third = deliver_due(now=t0 + timedelta(hours=1))
    assert (third.delivered, third.failed) == (3, 0)
    assert deliver_due(now=t0 + timedelta(days=1), everything=True).delivered == 0  # nothing twice

    accepted = receiver.accepted()
    assert sorted(r["headers"][EVENT_ID_HEADER] for r in accepted) == sorted(str(e.id) for e in events)
    for request in accepted:
        assert verify(secret, request["body"], request["headers"][SIGNATURE_HEADER])
        assert not verify("wrong secret", request["body"], request["headers"][SIGNATURE_HEADER])
        body = json.loads(request["body"])
        assert body["id"] == request["headers"][EVENT_ID_HEADER]
        assert body["payload"]["status"] == body["topic"].split(".")[1]

    for delivery in Delivery.objects.all():
        assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
        log = list(delivery.log.values_list("response_code", "error"))
        assert log[0][0] == 503 and "HTTP 503" in log[0][1]
        assert log[1][0] is None and log[1][1]  # no answer at all
        assert log[2] == (200, "")
    assert DeliveryAttempt.objects.count() == 9


def test_back_off_doubles_up_to_its_cap():
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff_seconds(40) == 6 * 3600


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(receiver):
    _subscriber(receiver.url)
    publish("repairs.created", {"id": 1})
    token, batch = _claim(now=timezone.now(), everything=False, exclude=set(), size=10)  # worker A holds it
    assert len(batch) == 1
    assert deliver_due(everything=True).delivered == 0  # worker B finds nothing to send
    assert receiver.received == []
    Delivery.objects.filter(claim=token).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert deliver_due().delivered == 1  # an expired lease (a dead worker) is taken over


def test_inactive_subscriber_waits(receiver):
    sub, _ = _subscriber(receiver.url)
    publish("repairs.created", {"id": 1})
    sub.active = False
    sub.save()
    assert deliver_due(everything=True).delivered == 0
    sub.active = True
    sub.save()
    assert deliver_due(everything=True).delivered == 1


def test_secret_is_stored_encrypted(receiver):
    sub, secret = _subscriber(receiver.url)
    sub.refresh_from_db()
    assert secret not in sub.secret_cipher and sub.secret() == secret


def test_command_delivers(receiver):
    from io import StringIO

    from django.core.management import call_command

    _subscriber(receiver.url)
    publish("repairs.created", {"id": 1})
    out = StringIO()
    call_command("outbox_deliver", "--now", stdout=out)
    assert "delivered 1, failed 0" in out.getvalue()


def test_subscribers_page_is_the_bureaus(client, users, receiver):
    client.force_login(users["admin"])
    page = client.get("/outbox/subscribers/")
    assert page.status_code == 200 and "订阅方" in page.content.decode()
    added = client.post("/outbox/subscribers/", {"name": "一网统管", "url": receiver.url, "topics": "repairs.*, hotline.*"},
                        follow=True)
    assert "其密钥仅此一次显示" in added.content.decode()
    from fangguan.outbox.models import Subscriber

    sub = Subscriber.objects.get(name="一网统管")
    assert sub.topics == ["repairs.*", "hotline.*"] and sub.secret()
    assert client.post(f"/outbox/subscribers/{sub.pk}/toggle/").status_code == 302
    sub.refresh_from_db()
    assert not sub.active
    sub.active = True
    sub.save()
    publish("repairs.created", {"id": 1})
    Delivery.objects.update(next_attempt_at=timezone.now() + timedelta(hours=6))  # a long back-off
    assert "立即重试" in client.get("/outbox/subscribers/").content.decode()
    client.post(f"/outbox/subscribers/{sub.pk}/retry/")
    assert deliver_due().delivered == 1  # due again at once
    client.force_login(users["wuye"])
    assert client.get("/outbox/subscribers/").status_code == 403
    assert client.post(f"/outbox/subscribers/{sub.pk}/retry/").status_code == 404
    assert client.post(f"/outbox/subscribers/{sub.pk}/toggle/").status_code == 404


def test_purge_keeps_what_is_still_pending(receiver):
    _subscriber(receiver.url)
    old = timezone.now() - timedelta(days=120)
    delivered = publish("repairs.created", {"id": 1}, at=old)
    pending = publish("repairs.created", {"id": 2}, at=old)
    unheard = publish("other.topic", {"id": 3}, at=old)  # nobody subscribed
    recent = publish("repairs.created", {"id": 4})
    Delivery.objects.filter(event=delivered).update(status=DeliveryStatus.DELIVERED)
    from fangguan.outbox.services import purge_delivered

    purge_delivered()
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {pending.pk, recent.pk}
    assert not OutboxEvent.objects.filter(pk__in=[delivered.pk, unheard.pk]).exists()
