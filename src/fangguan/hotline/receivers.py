"""The outcome flows back: every event of a request that came from the hotline publishes
``hotline.outcome`` (the order id, what happened, the status, the note — the hotline answers the
caller with it), delivered to the hotline subscriber by the outbox."""

from __future__ import annotations

from fangguan.outbox.services import publish


def _iso(value):
    return value.isoformat() if value else None


def on_repair_event(sender, *, request, event, **kwargs) -> None:
    if request.channel != "hotline" or not request.external_id:
        return
    publish("hotline.outcome", {
        "order_id": request.external_id,
        "request_id": request.pk,
        "event": event.kind,
        "at": _iso(event.at),
        "status": request.status,
        "closed": request.status in ("closed", "rejected", "cancelled"),
        "note": event.note,
        "complete_due_at": _iso(request.complete_due_at),
        "completed_at": _iso(request.completed_at),
        "rating": request.rating,
    }, aggregate_type="hotline.order", aggregate_id=request.external_id, at=event.at)


def connect() -> None:
    from fangguan.repairs.signals import repair_event

    repair_event.connect(on_repair_event, dispatch_uid="hotline.outcome")
