"""What happens after a repair request changes, stated in one place and called explicitly by
``services.record_event`` inside the change's transaction (no signal, no hidden receivers):

1. the typed ``RepairEvent`` row (the request's history);
2. ``outbox.publish("repairs.<kind>")`` for other systems (一网统管) — ids, codes, statuses and
   times only, no names, phones, descriptions or notes;
3. for a request that came from the 12345 hotline, ``outbox.publish("hotline.outcome")`` — the
   order id, what happened, the status and the note, which the hotline reads to the caller;
4. ``notifications.notify`` to the people concerned (``selectors.people_concerned``): the inbox
   row now, SMS / WeChat after commit.

The outbox rows and inbox rows commit or roll back with the change itself.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangguan.notifications.services import notify
from fangguan.outbox.services import publish

from .choices import FINAL, Channel
from .models import RepairEvent, RepairRequest


def _iso(value):
    return value.isoformat() if value else None


def write(request: RepairRequest, kind: str, actor, at, *, note: str = "", from_status: str = "",
          to_status: str = "", data: dict | None = None) -> RepairEvent:
    """Write one event and its side effects (inside the caller's transaction)."""
    event = RepairEvent.objects.create(
        request=request, kind=kind, actor=actor, at=at, note=(note or "")[:1000],
        from_status=from_status, to_status=to_status or request.status, data=data or {})
    publish(f"repairs.{event.kind}", repair_payload(request, event), aggregate_type="repairs.request",
            aggregate_id=request.pk, at=event.at)
    if request.channel == Channel.HOTLINE and request.external_id:
        publish("hotline.outcome", hotline_outcome(request, event), aggregate_type="hotline.order",
                aggregate_id=request.external_id, at=event.at)
    tell_people_concerned(request, event)
    return event


def repair_payload(request: RepairRequest, event: RepairEvent) -> dict:
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


def hotline_outcome(request: RepairRequest, event: RepairEvent) -> dict:
    return {
        "order_id": request.external_id,
        "request_id": request.pk,
        "event": event.kind,
        "at": _iso(event.at),
        "status": request.status,
        "closed": request.status in FINAL,
        "note": event.note,
        "complete_due_at": _iso(request.complete_due_at),
        "completed_at": _iso(request.completed_at),
        "rating": request.rating,
    }


def tell_people_concerned(request: RepairRequest, event: RepairEvent) -> None:
    from .selectors import people_concerned

    users = people_concerned(request, event)
    if not users:
        return
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the district's language
        title = _("Repair request #%(id)s: %(event)s") % {"id": request.pk, "event": event.get_kind_display()}
        lines = [_("%(category)s · %(estate)s") % {"category": request.category.name, "estate": request.estate.name},
                 _("Status: %(status)s") % {"status": request.get_status_display()}]
        if request.is_open and request.complete_due_at:
            due = timezone.localtime(request.complete_due_at).strftime("%Y-%m-%d %H:%M")
            lines.append(_("Completion due: %(due)s") % {"due": due})
        if event.note:
            lines.append(event.note[:200])
    notify(users, title=title, body="\n".join(lines), url=reverse("repairs-detail", args=[request.pk]),
           topic=f"repairs.{event.kind}")
