"""Repair events into the outbox (一网统管): ``repairs.<kind>`` for every event, written in the
event's own transaction. The payload names records by id and code only — no names, phones,
descriptions or notes — so a subscriber learns what happened, not to whom."""

from __future__ import annotations

from .services import publish


def _iso(value):
    return value.isoformat() if value else None


def repair_payload(request, event) -> dict:
    return {
        "request": {
            "id": request.pk,
            "status": request.status,
            "estate_id": request.estate_id,
            "company_id": request.company_id,
            "category": request.category.code,
            "urgent": request.urgent,
            "channel": request.channel,
            "created_at": _iso(request.created_at),
            "response_due_at": _iso(request.response_due_at),
            "complete_due_at": _iso(request.complete_due_at),
            "completed_at": _iso(request.completed_at),
            "closed_at": _iso(request.closed_at),
        },
        "event": {
            "id": event.pk,
            "kind": event.kind,
            "at": _iso(event.at),
            "from_status": event.from_status or None,
            "to_status": event.to_status or None,
        },
    }


def on_repair_event(sender, *, request, event, **kwargs) -> None:
    publish(f"repairs.{event.kind}", repair_payload(request, event), aggregate_type="repairs.request",
            aggregate_id=request.pk, at=event.at)


def connect() -> None:
    from fangguan.repairs.signals import repair_event

    repair_event.connect(on_repair_event, dispatch_uid="outbox.repairs")
