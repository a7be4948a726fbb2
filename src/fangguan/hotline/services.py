"""12345 work orders: who the hotline is, its time limits, and turning an order into a repair
request.

**Authentication** (both directions use one shared secret): the hotline is the outbox
subscriber named by ``FANGGUAN_HOTLINE_SUBSCRIBER`` (default ``12345``; the bureau adds it on
the subscribers page with topics ``hotline.*``). It signs each order with that subscriber's
secret — ``X-Hotline-Timestamp: <unix seconds>`` and ``X-Hotline-Signature: sha256=<hex
HMAC-SHA256 of "<timestamp>.<body>">`` — and we sign what we send it the same way as every
delivery. A signature older than 5 minutes is refused (a replay within them is harmless: orders
are idempotent on their id).

**Time limits** (沪府办〔2018〕62号): consultation 1 working day, follow-up 3, ordinary request or
complaint 5, complex case 15 — counted on the holiday calendar from the day the hotline received
the call; the order may also carry its own ``due_at``, which then wins.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from django.conf import settings
from django.utils import timezone

from fangguan.outbox.models import Subscriber
from fangguan.outbox.services import sign, verify

MAX_SKEW_SECONDS = 300

# Order kind -> working days to finish (REQUIREMENTS: "The city hotline (12345) limits").
LIMIT_WORKDAYS = {"consultation": 1, "follow_up": 3, "request": 5, "complaint": 5, "complex": 15}


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
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_SKEW_SECONDS:
        return None
    subscriber = hotline()
    if subscriber is None:
        return None
    if not verify(subscriber.secret(), _signed(stamp, request.body), given):
        return None
    return subscriber


def due_dates(*, kind: str, received_at: dt.datetime, category, urgent: bool, onsite_office: bool,
              due_at: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """(response due, completion due) of a hotline order: completion by the hotline's limit (or
    its own ``due_at``); the response by the category's clock, never after the completion."""
    from fangguan.repairs import deadlines

    complete = due_at or deadlines.add_workdays(received_at, LIMIT_WORKDAYS[kind]).at
    response, _ = deadlines.due_dates(start=received_at, category=category, urgent=urgent, onsite_office=onsite_office)
    return min(response.at, complete), complete


def receive_order(*, order_id: str, kind: str, estate, category, description: str, received_at=None,
                  due_at=None, urgent: bool = False, address: str = "", contact_name: str = "",
                  contact_phone: str = ""):
    """The repair request for a hotline order, created once: ``(request, created)``."""
    from fangguan.repairs.models import Category, RepairRequest
    from fangguan.repairs.services import create_request

    existing = RepairRequest.objects.filter(channel="hotline", external_id=order_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    received_at = min(received_at or now, now)
    category_obj = Category.objects.filter(code=category, active=True).first()
    text = description.strip()
    if address.strip():
        text = f"{text}\n（地址：{address.strip()}）"
    response_due, complete_due = (None, None)
    if category_obj is not None:
        response_due, complete_due = due_dates(kind=kind, received_at=received_at, category=category_obj,
                                               urgent=urgent or category_obj.urgent,
                                               onsite_office=estate.has_onsite_office, due_at=due_at)
    request = create_request(None, estate=estate, category=category, description=text, urgent=urgent,
                             channel="hotline", external_id=order_id, contact_name=contact_name,
                             contact_phone=contact_phone, response_due_at=response_due,
                             complete_due_at=complete_due, now=now)
    return request, request.created_at == now
