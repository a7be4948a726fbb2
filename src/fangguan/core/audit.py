"""Writing the change log and the security log. Only services call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from .actors import system_actor
from .context import current
from .models import (
    ChangeAction,
    ChangeLog,
    Outcome,
    SecurityAction,
    SecurityEvent,
    SecurityEventSubject,
)


def object_type_of(model: type[models.Model] | models.Model) -> str:
    """The singular resource name used in URLs and the audit API (``estate``, ``person``…)."""
    return getattr(model, "audit_name", model._meta.model_name)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return None
    if isinstance(value, FieldFile):
        return value.name or None
    return value


# Bookkeeping fields that say nothing a reader of the history needs.
NOISE = frozenset({"created_at", "updated_at", "name_pinyin"})


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The record as the log keeps it: concrete fields, foreign keys as ids, secrets left out.

    A model lists what the log must never hold in ``audit_exclude`` (ciphertexts, blind
    indexes); its masked copies are ordinary fields and so are kept. Many-to-many links of a
    saved record are kept as sorted ids (one query each), so linking is logged like any field.
    """
    exclude = NOISE | getattr(instance, "audit_exclude", frozenset())
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.attname in exclude:
            continue
        data[field.name] = _plain(getattr(instance, field.attname))
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            if field.name not in exclude:
                data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


def actor_label(actor) -> str:
    if actor is None:
        return current().cause or "system"
    return getattr(actor, "username", str(actor))


def log_change(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> ChangeLog:
    entry = change_entry(actor=actor, action=action, instance=instance, object_type=object_type,
                         before=before, after=after)
    entry.save()
    return entry


def log_update(*, actor, instance: models.Model, before: dict[str, Any]) -> ChangeLog | None:
    """One change-log row with the fields of ``instance`` that differ from ``before`` (its
    ``snapshot`` taken before the change), or nothing when no field changed."""
    after = snapshot(instance)
    changed = sorted(k for k in after if after[k] != before.get(k) and k != "updated_at")
    if not changed:
        return None
    return log_change(actor=actor, action=ChangeAction.UPDATE, instance=instance,
                      before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed})


def change_entry(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> ChangeLog:
    """The change-log row ``log_change`` writes, unsaved (bulk writers save many at once). A
    write with no person behind it is the system actor's (``core.actors``): never anonymous."""
    ctx = current()
    if actor is None:
        actor = system_actor()
    return ChangeLog(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_label(actor),
        action=action,
        object_type=object_type or object_type_of(instance),
        object_id=instance.pk if instance is not None else None,
        object_repr=str(instance)[:200] if instance is not None else "",
        before=before,
        after=after,
        request_id=ctx.request_id,
        cause=ctx.cause[:64],
    )


def log_bulk_create(*, actor, model: type[models.Model], count: int, note: str = "") -> ChangeLog:
    """One entry for a whole batch (the demo loader, bulk imports): what and how many."""
    return log_change(
        actor=actor,
        action=ChangeAction.BULK_CREATE,
        object_type=object_type_of(model),
        after={"count": count, "note": note},
    )


def log_security(
    *,
    actor,
    action: SecurityAction | str,
    outcome: Outcome | str = Outcome.SUCCESS,
    instance: models.Model | None = None,
    object_type: str = "",
    detail: dict | None = None,
    actor_name: str = "",
    subjects: tuple[str, Iterable[int]] | None = None,
) -> SecurityEvent:
    """One security event; ``subjects`` = (object type, ids) of the many records it concerns."""
    ctx = current()
    event = SecurityEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_name or actor_label(actor),
        source_ip=ctx.source_ip,
        action=action,
        outcome=outcome,
        object_type=object_type or (object_type_of(instance) if instance is not None else ""),
        object_id=instance.pk if instance is not None else None,
        detail=detail or {},
        request_id=ctx.request_id,
    )
    if subjects is not None:
        kind, ids = subjects
        SecurityEventSubject.objects.bulk_create(
            (SecurityEventSubject(event=event, object_type=kind, object_id=pk) for pk in ids), batch_size=2000)
    return event
