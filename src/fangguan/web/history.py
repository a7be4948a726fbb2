"""A record's history as people read it: who, when, what, and each changed field before → after.

The entries come from ``accounts.audit_api.record_history`` (the same function the API uses), so the
web shows exactly what the user may see there: the change log follows the record's scope, and
security events (reveals of personal data) appear only for auditors. Personal values are already
masked in the log; here ids become names (only of records the user can see) and choice values
their labels.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangguan.accounts.audit_api import record_history
from fangguan.core.models import ChangeAction, Outcome, SecurityAction
from fangguan.core.resources import Resource
from fangguan.core.scopes import ScopedQuerySet

from .forms import PERSONAL
from .tables import HIDDEN_FIELDS, detail_url, format_value

# Where a change came from (``core.context`` causes); others (``import:12`` …) are shown as they are.
CAUSES = {"web": gettext_lazy("web page"), "api": gettext_lazy("API")}


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _field(model, name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _names(model, user, entries: list[dict]) -> dict[tuple[type, int], models.Model]:
    """The records the entries' foreign-key ids point at, fetched once per model, in scope."""
    wanted: dict[type, set] = defaultdict(set)
    for entry in entries:
        for values in (entry.get("before"), entry.get("after")):
            for name, value in (values or {}).items():
                field = _field(model, name)
                if field is not None and field.is_relation and isinstance(value, int):
                    wanted[field.related_model].add(value)
    found = {}
    for related, ids in wanted.items():
        manager = related._default_manager
        if not isinstance(manager.all(), ScopedQuerySet):
            continue  # e.g. user accounts: not business records, shown as ids
        for obj in manager.visible_to(user).filter(pk__in=ids):
            found[(related, obj.pk)] = obj
    return found


def _value(model, name: str, value, records) -> dict:
    field = _field(model, name)
    if field is not None and field.is_relation and value is not None:
        obj = records.get((field.related_model, value))
        return {"text": str(obj) if obj else f"#{value}", "url": detail_url(obj) if obj else None}
    if isinstance(field, models.DateField) and isinstance(value, str):
        value = parse_date(value) or value
    return {"text": format_value(value, field), "url": None}


def _changes(model, entry: dict, records) -> list[dict]:
    before, after = entry.get("before") or {}, entry.get("after") or {}
    rows = []
    for name in after or before:
        if name in HIDDEN_FIELDS:
            continue
        field = _field(model, name)
        rows.append({
            "label": capfirst(field.verbose_name) if field is not None else name,
            "before": _value(model, name, before.get(name), records) if name in before else None,
            "after": _value(model, name, after.get(name), records) if name in after else None,
        })
    return rows


def _security(entry: dict) -> list[dict]:
    detail = entry.get("detail") or {}
    rows = []
    if "field" in detail:
        rows.append({"label": _("Which value"), "before": None,
                     "after": {"text": str(PERSONAL.get(detail["field"], detail["field"])), "url": None}})
    if "reason" in detail:
        rows.append({"label": _("Reason"), "before": None, "after": {"text": detail["reason"], "url": None}})
    return rows


def history_for(user, resource: Resource, pk: int, *, limit: int | None = None) -> tuple[list[dict], int]:
    """The newest ``limit`` entries (all if None), ready for the template, and how many there are."""
    entries = record_history(user, resource.object_type, pk)
    shown = entries[:limit] if limit else entries
    records = _names(resource.model, user, shown)
    out = []
    for entry in shown:
        security = entry["kind"] == "security"
        out.append({
            "at": format_value(entry["at"]),
            "actor": entry["actor"],
            "action": _label(SecurityAction if security else ChangeAction, entry["action"]),
            "outcome": _label(Outcome, entry["outcome"]) if security else "",
            "denied": security and entry["outcome"] != Outcome.SUCCESS,
            "security": security,
            "cause": str(CAUSES.get(entry.get("cause", ""), entry.get("cause", ""))),
            "request_id": entry["request_id"],
            "changes": _security(entry) if security else _changes(resource.model, entry, records),
        })
    return out, len(entries)
