"""The three ways a record changes: created, updated, deleted — each checked, validated and
logged in one transaction.

Domain services (``registry.services.estate_create`` …) call these; views, the API, imports
and commands call the domain services. Permission is checked before the write (may this user
touch these fields of this record?) and again after it, inside the transaction, so a write can
never move a record out of its writer's scope (NetBox's re-check).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from .audit import log_change, snapshot
from .models import ChangeAction
from .scopes import require_write

M = TypeVar("M", bound=models.Model)
Assign = Callable[[models.Model, str, Any], None]


def plain_assign(instance: models.Model, name: str, value: Any) -> None:
    setattr(instance, name, value)


def record_create(*, actor, instance: M, after_save: Callable[[M], None] | None = None) -> M:
    """Save a new, already-filled instance; ``after_save`` adds dependants in the same transaction."""
    with transaction.atomic():
        instance.full_clean()
        instance.save()
        if after_save is not None:
            after_save(instance)
        require_write(actor, instance)
        log_change(actor=actor, action=ChangeAction.CREATE, instance=instance, after=snapshot(instance))
    return instance


def record_update(*, actor, instance: M, changes: Mapping[str, Any], assign: Assign = plain_assign) -> M:
    """Apply ``changes`` (field name -> value) and log the fields that really changed."""
    model = type(instance)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=instance.pk)
        require_write(actor, locked, fields=changes.keys())
        before = snapshot(locked)
        for name, value in changes.items():
            assign(locked, name, value)
        locked.full_clean()
        locked.save()
        require_write(actor, locked, fields=changes.keys())
        after = snapshot(locked)
        changed = sorted(k for k in after if after[k] != before.get(k) and k not in {"updated_at"})
        if changed:
            log_change(
                actor=actor,
                action=ChangeAction.UPDATE,
                instance=locked,
                before={k: before.get(k) for k in changed},
                after={k: after[k] for k in changed},
            )
    return locked


def record_delete(*, actor, instance: models.Model) -> None:
    with transaction.atomic():
        require_write(actor, instance)
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
