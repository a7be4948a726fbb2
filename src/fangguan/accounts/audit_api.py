"""GET /api/v1/audit: a record's history, to whoever may see the record.

Change-log entries follow the record's scope. Security events about the record (reveals of
personal data) are shown to auditors and the audit administrator only; the audit administrator
sees those without seeing the record itself (三员分立: no business data).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from fangguan.core.api import Id, clamp_limit, paginate
from fangguan.core.audit import object_type_of
from fangguan.core.models import ChangeLog, SecurityEvent, SecurityEventSubject
from fangguan.core.scopes import registered_models

from .roles import reads_everything, reads_security_log

router = Router(tags=["audit"])


class AuditEntry(Schema):
    id: str
    at: dt.datetime
    actor: str
    action: str
    kind: str
    before: Any = None
    after: Any = None
    outcome: str | None = None
    detail: Any = None
    request_id: str
    cause: str = ""


class AuditPage(Schema):
    count: int
    items: list[AuditEntry]


def _change(entry: ChangeLog) -> dict:
    return {"id": f"c{entry.pk}", "at": entry.at, "actor": entry.actor_name, "action": entry.action,
            "kind": "change", "before": entry.before, "after": entry.after, "request_id": entry.request_id,
            "cause": entry.cause}


def _security(event: SecurityEvent) -> dict:
    return {"id": f"s{event.pk}", "at": event.at, "actor": event.actor_name, "action": event.action,
            "kind": "security", "outcome": event.outcome, "detail": event.detail, "request_id": event.request_id}


def record_history(user, object_type: str, object_id: int) -> list[dict]:
    """Entries about one record, newest first; raises Http404 if the user may not see them."""
    models = {object_type_of(m): m for m in registered_models()}
    model = models.get(object_type)
    if model is None:
        raise ValidationError({"object_type": [_("Unknown object type.")]})
    sees_record = model.objects.visible_to(user).filter(pk=object_id).exists()
    sees_security = reads_security_log(user)
    if not sees_record and not sees_security:
        raise Http404
    entries: list[dict] = []
    if sees_record:
        entries += [_change(c) for c in ChangeLog.objects.filter(object_type=object_type, object_id=object_id)]
    if sees_security:
        entries += [_security(e) for e in SecurityEvent.objects.filter(
            Q(object_type=object_type, object_id=object_id)
            | Q(pk__in=SecurityEventSubject.objects.filter(object_type=object_type, object_id=object_id).values("event_id")))]
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries


@router.get("/audit", response=AuditPage, operation_id="audit")
def audit(request, object_type: str | None = None, object_id: Id | None = None,
          limit: int | None = None, offset: int | None = None):
    """A record's history (``object_type`` + ``object_id``); without them, auditors page
    through the whole change log and security log."""
    if object_type and object_id is not None:
        entries = record_history(request.user, object_type, object_id)
        count, items = len(entries), entries[max(0, offset or 0):][: clamp_limit(limit)]
        return {"count": count, "items": items}
    if reads_security_log(request.user) and reads_everything(request.user):
        count, rows = paginate(ChangeLog.objects.all(), limit, offset)
        return {"count": count, "items": [_change(r) for r in rows]}
    if reads_security_log(request.user):
        count, rows = paginate(SecurityEvent.objects.all(), limit, offset)
        return {"count": count, "items": [_security(r) for r in rows]}
    raise ValidationError({"object_type": [_("Give object_type and object_id.")]})
