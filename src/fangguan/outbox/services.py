"""Publishing events and delivering them.

``publish`` is called inside the transaction of the change it reports: the event and one
delivery row per interested subscriber commit or roll back with it. ``deliver_due`` (the worker:
``outbox.tasks`` every minute, ``manage.py outbox_deliver``) claims due deliveries under a short
lease — ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's IMMEDIATE transactions
serialise the claim — sends each as signed JSON outside any transaction, and records the answer:
2xx is delivered, anything else (or no answer) is retried with exponential back-off, forever.
A receiver de-duplicates on ``X-Fangguan-Event-Id`` (a worker dying between sending and
recording can cause one resend after its lease ends).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from fangguan.core.services import record_create, record_update

from .models import Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent, Subscriber

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Fangguan-Signature"
EVENT_ID_HEADER = "X-Fangguan-Event-Id"
TIMESTAMP_HEADER = "X-Fangguan-Timestamp"
TOPIC_HEADER = "X-Fangguan-Topic"


def _setting(name: str, default: int | float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return float(value)


def backoff_seconds(attempts: int) -> float:
    """The wait after the ``attempts``-th failure: base × 2^(n−1), capped (30 s, 1 min, 2 min … 6 h)."""
    base = _setting("FANGGUAN_OUTBOX_BACKOFF_SECONDS", 30)
    cap = _setting("FANGGUAN_OUTBOX_BACKOFF_MAX_SECONDS", 6 * 3600)
    return min(cap, base * 2 ** max(0, min(attempts - 1, 30)))


# --- publishing -----------------------------------------------------------------------------

def publish(topic: str, payload: dict, *, aggregate_type: str = "", aggregate_id=None, at=None) -> OutboxEvent:
    """Write an event and its deliveries in the caller's transaction."""
    with transaction.atomic():
        event = OutboxEvent.objects.create(
            topic=topic,
            payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
            aggregate_type=aggregate_type,
            aggregate_id="" if aggregate_id is None else str(aggregate_id),
            created_at=at or timezone.now(),
        )
        Delivery.objects.bulk_create([
            Delivery(event=event, subscriber=s, next_attempt_at=event.created_at)
            for s in Subscriber.objects.filter(active=True) if s.wants(topic)
        ])
    return event


def purge_delivered(*, now=None) -> int:
    """Remove events older than ``FANGGUAN_OUTBOX_KEEP_DAYS`` (90) with nothing left to deliver;
    their delivery log goes with them. An event still pending for someone is kept, however old."""
    cutoff = (now or timezone.now()) - timedelta(days=_setting("FANGGUAN_OUTBOX_KEEP_DAYS", 90))
    old = OutboxEvent.objects.filter(created_at__lt=cutoff).exclude(deliveries__status=DeliveryStatus.PENDING)
    deleted, _ = OutboxEvent.objects.filter(pk__in=old.values("pk")).delete()
    return deleted


# --- subscribers ----------------------------------------------------------------------------

def subscriber_create(actor, *, name: str, url: str, topics: list[str], secret: str = "",
                      active: bool = True) -> tuple[Subscriber, str]:
    """A new subscriber; its secret (generated unless given) is returned once, to hand over."""
    secret = secret or secrets.token_urlsafe(32)
    subscriber = Subscriber(name=name, url=url, topics=topics, active=active)
    subscriber.set_secret(secret)
    return record_create(actor=actor, instance=subscriber), secret


def subscriber_update(actor, subscriber: Subscriber, **changes) -> Subscriber:
    """Change url, topics or active; ``secret=`` replaces the secret."""
    secret = changes.pop("secret", None)

    def assign(instance, name, value):
        if name == "secret_cipher":
            instance.set_secret(value)
        else:
            setattr(instance, name, value)

    if secret:
        changes["secret_cipher"] = secret
    return record_update(actor=actor, instance=subscriber, changes=changes, assign=assign)


def subscriber_retry_now(actor, subscriber: Subscriber) -> int:
    """After an outage: make every pending delivery of ``subscriber`` due now instead of at the
    end of its back-off. Returns how many."""
    from fangguan.core.scopes import CHANGE, require

    require(actor, CHANGE, subscriber, fields=["active"])
    return Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now())


# --- delivering -----------------------------------------------------------------------------

def envelope(event: OutboxEvent, *, sent_at) -> bytes:
    """The body sent: the event with its id, topic and times; compact UTF-8 JSON."""
    body = {
        "id": str(event.id),
        "topic": event.topic,
        "created_at": event.created_at.isoformat(),
        "sent_at": sent_at.isoformat(),
        "aggregate": {"type": event.aggregate_type, "id": event.aggregate_id},
        "payload": event.payload,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does (and our tests do): recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature or "")


@dataclass
class Report:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _claim(*, now, everything: bool, exclude: set[int], size: int) -> tuple[uuid.UUID, list[Delivery]]:
    wall = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        qs = Delivery.objects.filter(status=DeliveryStatus.PENDING, subscriber__active=True).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=wall))
        if not everything:
            qs = qs.filter(next_attempt_at__lte=now)
        if exclude:
            qs = qs.exclude(pk__in=exclude)
        qs = qs.order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        ids = list(qs.values_list("pk", flat=True)[:size])
        if ids:
            # long enough to send what was claimed; a killed worker's rows are claimable again after it
            lease = timedelta(seconds=len(ids) * _setting("FANGGUAN_OUTBOX_TIMEOUT_SECONDS", 10)
                              + _setting("FANGGUAN_OUTBOX_LEASE_MARGIN_SECONDS", 60))
            Delivery.objects.filter(pk__in=ids).update(claimed_until=wall + lease, claim=token)
    batch = list(Delivery.objects.filter(claim=token).select_related("event", "subscriber").order_by("event__created_at", "pk"))
    return token, batch


def _send(session: requests.Session, delivery: Delivery, *, sent_at) -> tuple[int | None, str, int]:
    body = envelope(delivery.event, sent_at=sent_at)
    try:
        secret = delivery.subscriber.secret()
    except Exception as exc:  # a key no longer in the key ring: an error on the log, not a dead worker
        return None, f"cannot sign: {type(exc).__name__}", 0
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Fangguan-Outbox/1",
        EVENT_ID_HEADER: str(delivery.event.id),
        TOPIC_HEADER: delivery.event.topic,
        TIMESTAMP_HEADER: str(int(sent_at.timestamp())),
        SIGNATURE_HEADER: sign(secret, body),
    }
    started = time.monotonic()
    try:
        response = session.post(delivery.subscriber.url, data=body, headers=headers, allow_redirects=False,
                                timeout=_setting("FANGGUAN_OUTBOX_TIMEOUT_SECONDS", 10))
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], int((time.monotonic() - started) * 1000)
    duration = int((time.monotonic() - started) * 1000)
    if 200 <= response.status_code < 300:
        return response.status_code, "", duration
    return response.status_code, f"HTTP {response.status_code}: {response.text[:200]}", duration


def _record(delivery: Delivery, token: uuid.UUID, *, code: int | None, error: str, duration: int, now) -> bool:
    ok = code is not None and not error
    attempts = delivery.attempts + 1
    changes = {
        "attempts": F("attempts") + 1, "last_attempt_at": now, "response_code": code, "error": error,
        "claimed_until": None, "claim": None,
    }
    if ok:
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    else:
        changes.update(next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts)))
    with transaction.atomic():
        DeliveryAttempt.objects.create(delivery=delivery, at=now, response_code=code, error=error, duration_ms=duration)
        Delivery.objects.filter(pk=delivery.pk, claim=token).update(**changes)
    return ok


def deliver_due(*, now=None, everything: bool = False, batch_size: int = 20) -> Report:
    """Send every delivery due at ``now`` (all pending ones with ``everything``), each at most
    once per run. Safe to run in several workers at once."""
    report = Report()
    seen: set[int] = set()
    with requests.Session() as session:
        while True:
            at = now or timezone.now()
            token, batch = _claim(now=at, everything=everything, exclude=seen, size=batch_size)
            if not batch:
                return report
            for delivery in batch:
                seen.add(delivery.pk)
                sent_at = now or timezone.now()
                code, error, duration = _send(session, delivery, sent_at=sent_at)
                if _record(delivery, token, code=code, error=error, duration=duration, now=sent_at):
                    report.delivered += 1
                else:
                    report.failed += 1
                    report.errors.append(f"{delivery.subscriber.name} {delivery.event_id}: {error}")
                    log.warning("outbox delivery %s to %s failed: %s", delivery.event_id, delivery.subscriber.name, error)
