"""``POST /api/v1/hotline/orders``: a 12345 work order in. Authenticated by the hotline's
signature (``services`` explains it), not by a user's token; idempotent on ``order_id`` — the
same order again answers 200 with the record it made the first time, a new one 201. An order of
kind ``complaint`` becomes a supervision complaint against the property company, every other kind
a repair request (``services.record_kind``); ``record`` in the answer says which."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import APIKeyHeader
from pydantic import Field

from fangguan.core.api import Error
from fangguan.registry.models import Estate
from fangguan.repairs.api import ContactIn

from .services import receive_order, record_kind, verify_request


class HotlineSignature(APIKeyHeader):
    """``X-Hotline-Signature: sha256=<HMAC-SHA256 of "<X-Hotline-Timestamp>.<body>">``."""

    param_name = "X-Hotline-Signature"

    def authenticate(self, request, key):
        return verify_request(request, key)


router = Router(tags=["hotline"], auth=HotlineSignature())


class OrderIn(ContactIn):
    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    kind: Literal["consultation", "follow_up", "request", "complaint", "complex"] = "request"
    estate: int | None = Field(None, ge=1, le=2**63 - 1, description="our estate id")
    estate_code: str | None = Field(None, max_length=20, description="or our estate code")
    category: str = Field("other", max_length=30, description="repair category code")
    description: str = Field(min_length=1, max_length=2000)
    address: str = Field("", max_length=200)
    urgent: bool = False
    received_at: dt.datetime | None = Field(None, description="when the hotline took the call (its clock)")
    due_at: dt.datetime | None = Field(None, description="the hotline's own deadline, if it sets one")


class OrderOut(Schema):
    id: int
    record: Literal["repair", "complaint"] = Field(description="what the order became: a repair request or a "
                                                               "complaint against the property company")
    order_id: str
    status: str
    created: bool
    response_due_at: dt.datetime
    complete_due_at: dt.datetime


def _estate(payload: OrderIn) -> Estate:
    qs = Estate.objects.all()
    estate = None
    if payload.estate is not None:
        estate = qs.filter(pk=payload.estate).first()
    elif payload.estate_code:
        estate = qs.filter(code=payload.estate_code).first()
    if estate is None:
        raise HttpError(422, _("Name an estate of the district (estate or estate_code)."))
    return estate


@router.post("/orders", response={200: OrderOut, 201: OrderOut, 401: Error, 422: Error}, operation_id="hotline_order")
def hotline_order(request, payload: OrderIn):
    """Take a 12345 work order: routed to the estate, due by the hotline's time limit — a
    complaint about the property company to supervision, anything else to repairs."""
    for moment in (payload.received_at, payload.due_at):
        if moment is not None and moment.tzinfo is None:
            raise HttpError(422, _("Give times with their UTC offset."))
    if payload.due_at and payload.received_at and payload.due_at <= payload.received_at:
        raise HttpError(422, _("The deadline must be after the call."))
    req, created = receive_order(
        order_id=payload.order_id, kind=payload.kind, estate=_estate(payload), category=payload.category,
        description=payload.description, received_at=payload.received_at, due_at=payload.due_at,
        urgent=payload.urgent, address=payload.address, contact_name=payload.contact_name,
        contact_phone=payload.contact_phone)
    body = {"id": req.pk, "record": record_kind(payload.kind), "order_id": req.external_id, "status": req.status, "created": created,
            "response_due_at": req.response_due_at, "complete_due_at": req.complete_due_at}
    return Status(201 if created else 200, body)
