"""The three ways a record changes: created, updated, deleted — each checked, validated and
logged in one transaction.

Domain services (``registry.services.registry_create`` …) call these; views, the API, imports
and commands call the domain services. Each asks the model's rule for its own action
(``core.scopes.require``: ``add``, ``change`` of these fields, ``delete``) — before the write
and, for adds and changes, again after it inside the transaction, so a write can never move a
record out of its writer's scope (NetBox's re-check).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from .audit import log_change, log_update, snapshot
from .models import ChangeAction
from .scopes import ADD, CHANGE, DELETE, require

M = TypeVar("M", bound=models.Model)
Assign = Callable[[models.Model, str, Any], None]


def plain_assign(instance: models.Model, name: str, value: Any) -> None:
    setattr(instance, name, value)


def record_create(*, actor, instance: M, after_save: Callable[[M], None] | None = None) -> M:
    """Save a new, already-filled instance; ``after_save`` adds dependants (links, shares) in the
    same transaction, before the scope check and the log, so both see the record whole."""
    require(actor, ADD, type(instance))
    with transaction.atomic():
        instance.full_clean()
        instance.save()
        if after_save is not None:
            after_save(instance)
        require(actor, ADD, instance)
        log_change(actor=actor, action=ChangeAction.CREATE, instance=instance, after=snapshot(instance))
    return instance


def record_update(*, actor, instance: M, changes: Mapping[str, Any], assign: Assign = plain_assign,
                  after_save: Callable[[M], None] | None = None) -> M:
    """Apply ``changes`` (field name -> value) and log the fields that really changed.
    ``after_save`` changes dependants (many-to-many links) in the same transaction, before the
    re-check and the log, so the one log row holds those changes too."""
    model = type(instance)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=instance.pk)
        require(actor, CHANGE, locked, fields=changes.keys())
        before = snapshot(locked)
        for name, value in changes.items():
            assign(locked, name, value)
        locked.full_clean()
        locked.save()
        if after_save is not None:
            after_save(locked)
        require(actor, CHANGE, locked, fields=changes.keys())
        log_update(actor=actor, instance=locked, before=before)
    return locked


def record_delete(*, actor, instance: models.Model) -> None:
    with transaction.atomic():
        require(actor, DELETE, instance)
        before = snapshot(instance)
        pk = instance.pk
        try:
            instance.delete()
        except (ProtectedError, RestrictedError):
            raise ValidationError(
                _("This record is still referred to by other records and cannot be deleted.")
            ) from None
        instance.pk = pk
        log_change(actor=actor, action=ChangeAction.DELETE, instance=instance, before=before)
