"""12345 work orders: who the hotline is, its time limits, and turning an order into a repair
request.

**Authentication** (both directions use one shared secret): the hotline is the outbox
subscriber named by ``FANGGUAN_HOTLINE_SUBSCRIBER`` (default ``12345``; the bureau adds it on
the subscribers page with topics ``hotline.*``). It signs each order with that subscriber's
secret — ``X-Hotline-Timestamp: <unix seconds>`` and ``X-Hotline-Signature: sha256=<hex
HMAC-SHA256 of "<timestamp>.<body>">`` — and we sign what we send it the same way as every
delivery. A signature older than 5 minutes is refused (a replay within them is harmless: orders
are idempotent on their id).

**Time limits** are deadline policy and live with the other repair clocks
(``repairs.deadlines.hotline_completion``): the limit of the order's kind in working days from
the day the hotline received the call, or the order's own ``due_at``. That completion is agreed
with the hotline: a later change of urgency keeps it.
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.utils import timezone

from fangguan.core.text import ascii_digits
from fangguan.outbox.models import Subscriber
from fangguan.outbox.services import sign, verify

MAX_SKEW_SECONDS = 300


def subscriber_name() -> str:
    return getattr(settings, "FANGGUAN_HOTLINE_SUBSCRIBER", None) or os.environ.get(
        "FANGGUAN_HOTLINE_SUBSCRIBER", "12345")


def hotline() -> Subscriber | None:
    return Subscriber.objects.filter(name=subscriber_name(), active=True).first()


def _signed(timestamp: str, body: bytes) -> bytes:
    """What the hotline signs: its timestamp, a dot, the body (so an old body cannot be replayed)."""
    return timestamp.encode() + b"." + body


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return sign(secret, _signed(timestamp, body))


def verify_request(request, given: str) -> Subscriber | None:
    """The hotline subscriber if ``request`` carries its valid, fresh signature; else None."""
    stamp = request.headers.get("X-Hotline-Timestamp", "")
    if not ascii_digits(stamp, 12) or abs(time.time() - int(stamp)) > MAX_SKEW_SECONDS:
        return None
    subscriber = hotline()
    if subscriber is None:
        return None
    if not verify(subscriber.secret(), _signed(stamp, request.body), given):
        return None
    return subscriber


def receive_order(*, order_id: str, kind: str, estate, category, description: str, received_at=None,
                  due_at=None, urgent: bool = False, address: str = "", contact_name: str = "",
                  contact_phone: str = ""):
    """The repair request for a hotline order, created once, by the system actor:
    ``(request, created)``."""
    from fangguan.core.actors import system_actor
    from fangguan.repairs import deadlines
    from fangguan.repairs.models import RepairRequest
    from fangguan.repairs.services import create_request

    existing = RepairRequest.objects.filter(channel="hotline", external_id=order_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    received_at = min(received_at or now, now)
    text = description.strip()
    if address.strip():
        text = f"{text}\n（地址：{address.strip()}）"
    agreed = deadlines.hotline_completion(kind=kind, received_at=received_at, due_at=due_at)
    request = create_request(system_actor(), estate=estate, category=category, description=text, urgent=urgent,
                             channel="hotline", external_id=order_id, contact_name=contact_name,
                             contact_phone=contact_phone, agreed_complete=agreed, received_at=received_at,
                             now=now)
    return request, request.created_at == now
