"""The mechanism behind "who sees what" and "who may change what".

Each app registers one rule per model (``register_scope``); every read of scoped data goes
through ``Model.objects.visible_to(user)`` and every write through ``require_write`` (called by
the services). Lists, detail pages, search, exports and the API therefore share one answer,
and a record outside a user's scope is indistinguishable from a record that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _


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


class ScopeRule(Protocol):
    def visible(self, qs: models.QuerySet, user) -> models.QuerySet: ...

    def writable(self, user, instance: models.Model) -> FieldGrant: ...

    def creatable(self, user) -> bool: ...


_rules: dict[type[models.Model], ScopeRule] = {}


def register_scope(model: type[models.Model], rule: ScopeRule) -> None:
    _rules[model] = rule


def rule_for(model: type[models.Model]) -> ScopeRule:
    try:
        return _rules[model]
    except KeyError:  # a model without a rule is a programming error, never "visible to all"
        raise LookupError(f"no scope rule registered for {model.__name__}") from None


class ScopedQuerySet(models.QuerySet):
    # The user whose view this is, once ``visible_to`` has narrowed it: list filters whose meaning
    # depends on the viewer (a public register's rows "serving the estates you see") read it.
    viewer = None

    def visible_to(self, user) -> models.QuerySet:
        """The rows this user may read; nothing at all for anonymous users."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        qs = rule_for(self.model).visible(self, user)._chain()
        qs.viewer = user
        return qs

    def _clone(self):
        clone = super()._clone()
        clone.viewer = self.viewer
        return clone


def writable_fields(user, instance: models.Model) -> FieldGrant:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    return rule_for(type(instance)).writable(user, instance)


def may_create(user, model: type[models.Model]) -> bool:
    """Whether the user may create some record of ``model`` (to offer "New"); the service still
    checks the record itself when it is saved."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return rule_for(model).creatable(user)


def writable_many(user, instances) -> dict[int, FieldGrant]:
    """``writable_fields`` for many saved records of one model at once (bulk imports): a rule
    may answer with one query per grant (``writable_many``); otherwise each record is asked."""
    instances = list(instances)
    if not instances:
        return {}
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {obj.pk: NOTHING for obj in instances}
    rule = rule_for(type(instances[0]))
    many = getattr(rule, "writable_many", None)
    if many is not None:
        return many(user, instances)
    return {obj.pk: rule.writable(user, obj) for obj in instances}


def require_write(user, instance: models.Model, fields=None) -> None:
    """Raise PermissionDenied unless ``user`` may change ``fields`` (all fields if None)."""
    grant = writable_fields(user, instance)
    if not grant or (fields is None and not grant.all) or (fields is not None and not grant.covers(fields)):
        raise PermissionDenied(_("You may not change this record."))


def registered_models() -> list[type[models.Model]]:
    return list(_rules)
