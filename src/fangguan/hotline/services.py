"""12345 work orders: who the hotline is, its time limits, and turning an order into a repair
request.

**Authentication** (both directions use one shared secret): the hotline is the outbox
subscriber named by ``FANGGUAN_HOTLINE_SUBSCRIBER`` (default ``12345``; the bureau adds it on
the subscribers page with topics ``hotline.*``). It signs each order with that subscriber's
secret — ``X-Hotline-Timestamp: <unix seconds>`` and ``X-Hotline-Signature: sha256=<hex
HMAC-SHA256 of "<timestamp>.<body>">`` — and we sign what we send it the same way as every
delivery. A signature older than 5 minutes is refused (a replay within them is harmless: orders
are idempotent on their id).

**Routing by kind**: an order of kind ``complaint`` is a complaint against the property company
(物业投诉) — it becomes a supervision complaint against the company serving the estate, on the
complaints' clock and ladder, decided by the town office or the bureau (issue 17); every other
kind (a request, a consultation, a follow-up, a complex matter) becomes a repair request, as
before. Both are created once per order id, by the system actor.

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


COMPLAINT = "complaint"


def record_kind(kind: str) -> str:
    """What an order of ``kind`` becomes: ``"complaint"`` (a supervision complaint against the
    company) or ``"repair"`` (a repair request) — the one place the routing is decided."""
    return "complaint" if kind == COMPLAINT else "repair"


def receive_order(*, order_id: str, kind: str, estate, category, description: str, received_at=None,
                  due_at=None, urgent: bool = False, address: str = "", contact_name: str = "",
                  contact_phone: str = ""):
    """The record for a hotline order, created once, by the system actor: ``(record, created)``
    — a supervision complaint for an order of kind complaint, else a repair request (its
    category, urgency and contact apply to repairs only)."""
    from fangguan.core.actors import system_actor
    from fangguan.repairs import deadlines
    from fangguan.repairs.models import RepairRequest
    from fangguan.repairs.services import create_request

    if record_kind(kind) == "complaint":
        return _receive_complaint(order_id=order_id, estate=estate, description=description,
                                  received_at=received_at, due_at=due_at, address=address)
    existing = RepairRequest.objects.filter(channel="hotline", external_id=order_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    received_at = min(received_at or now, now)
    text = _text(description, address)
    agreed = deadlines.hotline_completion(kind=kind, received_at=received_at, due_at=due_at)
    request = create_request(system_actor(), estate=estate, category=category, description=text, urgent=urgent,
                             channel="hotline", external_id=order_id, contact_name=contact_name,
                             contact_phone=contact_phone, agreed_complete=agreed, received_at=received_at,
                             now=now)
    return request, request.created_at == now


def _text(description: str, address: str) -> str:
    text = description.strip()
    if address.strip():
        text = f"{text}\n（地址：{address.strip()}）"
    return text


def _receive_complaint(*, order_id: str, estate, description: str, received_at, due_at, address: str):
    """A complaint order: against the company serving the estate on the day of the call, due by
    the hotline's complaint limit (or its own deadline). No company serving the estate is an
    order we cannot take (422, in Chinese, nothing written). The caller's name and phone stay
    with the hotline: a complaint names no reporter (residents filing on the web are theirs)."""
    from fangguan.core.actors import system_actor
    from fangguan.supervision.choices import ComplaintChannel
    from fangguan.supervision.models import Complaint
    from fangguan.supervision.services import complaint_create

    existing = Complaint.objects.filter(channel=ComplaintChannel.HOTLINE, external_id=order_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    complaint = complaint_create(actor=system_actor(), estate=estate, description=_text(description, address),
                                 channel=ComplaintChannel.HOTLINE, external_id=order_id, due_at=due_at,
                                 filed_at=min(received_at or now, now))
    return complaint, complaint.created_at >= now  # an order filed at the same moment answers "not new"
