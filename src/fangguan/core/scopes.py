"""The mechanism behind "who may do what": one rule per model, asked for explicit actions.

Each app registers one rule per model (``register_scope``) in its ``scopes.py``. A rule answers
for the actions ``view``, ``add``, ``change`` and ``delete`` and for the module's own actions
(``accept``, ``approve``, ``vote`` …). Everything else asks through the functions below:

- reads: ``Model.objects.visible_to(user)`` (= ``restrict(user, "view")``) for every list,
  detail, export and search, so a record outside a user's scope is indistinguishable from a
  record that does not exist;
- writes and transitions: ``can(user, action, record)`` to decide what to offer, and
  ``require(user, action, record)`` in the services, which refuse with 403 before anything is
  written. ``change`` is granular: ``fields_for(user, record)`` says which fields.

A rule never derives one action from another: ``delete`` is answered on its own, not from "may
change every field". The system actor (``core.actors``) acts for the platform — the clock,
commands, bridges — and may view, add, change and delete; a module's own actions ask the rule
(a state machine decides what the system may do there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy

from .actors import is_system

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
CRUD = (VIEW, ADD, CHANGE, DELETE)


@dataclass(frozen=True)
class FieldGrant:
    """Which fields of one record a user may change: all of them, some, or none."""

    all: bool = False
    fields: frozenset[str] = field(default_factory=frozenset)

    def covers(self, names) -> bool:
        return self.all or set(names) <= self.fields

    def __or__(self, other: FieldGrant) -> FieldGrant:
        return FieldGrant(all=self.all or other.all, fields=self.fields | other.fields)

    def __bool__(self) -> bool:
        return self.all or bool(self.fields)


NOTHING = FieldGrant()
EVERYTHING = FieldGrant(all=True)


class Rule:
    """A model's rule. Subclasses define ``visible`` and whichever of ``fields`` / ``allows`` the
    model's writers need; anything not answered is refused.

    - ``visible(qs, user)``: the rows the user may view (one SQL filter);
    - ``fields(user, record)``: the fields of a saved record the user may change;
    - ``allows(user, action, record)``: ``add`` (``record`` None: may the user add some record of
      this kind, to offer "New"; a record: this one, checked after it is saved, inside the
      transaction), ``delete``, and the module's own actions.
    """

    def visible(self, qs: models.QuerySet, user) -> models.QuerySet:
        return qs.none()

    def fields(self, user, record: models.Model) -> FieldGrant:
        return NOTHING

    def fields_many(self, user, records: list[models.Model]) -> dict[int, FieldGrant]:
        """``fields`` for many records at once; rules override it to answer per grant, not per row."""
        return {obj.pk: self.fields(user, obj) for obj in records}

    def allows(self, user, action: str, record: models.Model | None) -> bool:
        return False


_rules: dict[type[models.Model], Rule] = {}


def register_scope(model: type[models.Model], rule: Rule) -> None:
    _rules[model] = rule


def rule_for(model: type[models.Model]) -> Rule:
    try:
        return _rules[model]
    except KeyError:  # a model without a rule is a programming error, never "visible to all"
        raise LookupError(f"no scope rule registered for {model.__name__}") from None


def registered_models() -> list[type[models.Model]]:
    return list(_rules)


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


class ScopedQuerySet(models.QuerySet):
    # The user whose view this is, once ``visible_to`` has narrowed it: list filters whose meaning
    # depends on the viewer (a public register's rows "serving the estates you see") read it.
    viewer = None

    def restrict(self, user, action: str = VIEW) -> models.QuerySet:
        """The rows ``user`` may ``action``: for ``view`` one SQL filter; for any other action the
        viewable rows the rule allows it on (row by row: for bulk pages, not for big lists)."""
        if not _active(user):
            return self.none()
        qs = self._chain() if is_system(user) else rule_for(self.model).visible(self, user)._chain()
        qs.viewer = user
        if action == VIEW:
            return qs
        return qs.filter(pk__in=[obj.pk for obj in qs if can(user, action, obj)])

    def visible_to(self, user) -> models.QuerySet:
        """The rows this user may read; nothing at all for anonymous users."""
        return self.restrict(user, VIEW)

    def _clone(self):
        clone = super()._clone()
        clone.viewer = self.viewer
        return clone


def fields_for(user, record: models.Model) -> FieldGrant:
    """The fields of ``record`` that ``user`` may change."""
    if not _active(user):
        return NOTHING
    if is_system(user):
        return EVERYTHING
    return rule_for(type(record)).fields(user, record)


def fields_many(user, records: Iterable[models.Model]) -> dict[int, FieldGrant]:
    """``fields_for`` of many saved records of one model at once (bulk imports, list pages)."""
    records = list(records)
    if not records:
        return {}
    if not _active(user):
        return {obj.pk: NOTHING for obj in records}
    if is_system(user):
        return {obj.pk: EVERYTHING for obj in records}
    return rule_for(type(records[0])).fields_many(user, records)


def can(user, action: str, record: models.Model | type[models.Model], *, fields: Iterable[str] | None = None) -> bool:
    """Whether ``user`` may ``action`` on ``record`` (a saved record, or a model class: "some
    record of this kind", which is what a page needs to offer "New").

    ``change`` with ``fields`` asks for exactly those fields; without, for at least one field.
    """
    if not _active(user):
        return False
    model = record if isinstance(record, type) else type(record)
    instance = None if isinstance(record, type) else record
    rule = rule_for(model)
    if is_system(user) and action in CRUD:
        return True
    if action == VIEW:
        qs = model._default_manager.all()
        if instance is not None:
            qs = qs.filter(pk=instance.pk)
        return rule.visible(qs, user).exists()
    if action == CHANGE:
        if instance is None:
            return rule.allows(user, ADD, None)  # a kind one may add is a kind one may edit
        grant = rule.fields(user, instance)
        return grant.covers(fields) if fields is not None else bool(grant)
    return rule.allows(user, action, instance)


REFUSALS = {
    VIEW: gettext_lazy("You may not see this record."),
    ADD: gettext_lazy("You may not add this record."),
    CHANGE: gettext_lazy("You may not change this record."),
    DELETE: gettext_lazy("You may not delete this record."),
}


def require(user, action: str, record: models.Model | type[models.Model], *,
            fields: Iterable[str] | None = None) -> None:
    """``can`` or PermissionDenied (403) with a message in the user's language."""
    if not can(user, action, record, fields=fields):
        raise PermissionDenied(str(REFUSALS.get(action) or gettext_lazy("You may not do this.")))


__all__ = [
    "VIEW", "ADD", "CHANGE", "DELETE", "FieldGrant", "NOTHING", "EVERYTHING", "Rule", "register_scope",
    "rule_for", "registered_models", "ScopedQuerySet", "can", "require", "fields_for", "fields_many",
]
