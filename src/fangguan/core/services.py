"""The three ways a record changes: created, updated, deleted — each checked, validated and
logged in one transaction.

Domain services (``registry.services.registry_create`` …) call these; views, the API, imports
and commands call the domain services. Each asks the model's rule for its own action
(``core.scopes.require``: ``add``, ``change`` of these fields, ``delete``) — before the write
and, for adds and changes, again after it inside the transaction, so a write can never move a
record out of its writer's scope (NetBox's re-check).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .audit import log_change, log_update, snapshot
from .models import ChangeAction
from .scopes import ADD, CHANGE, DELETE, fields_many, require

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


# --- Many records at once ----------------------------------------------------------------------

# The most records one bulk edit changes: a page of lists, a neighbourhood's estates, a building's
# homes — not a district (that is an import's work, with its dry run and error sheet).
BULK_EDIT_LIMIT = 1000
# How many refused or invalid records a message names before it says "and N more".
BULK_NAMED = 5


@dataclass(frozen=True)
class BulkResult:
    changed: int  # records whose stored values changed (each has its change-log row)
    unchanged: int  # records that already held these values (nothing written, nothing logged)


class BulkRefused(PermissionDenied):
    """Some of the chosen records may not be changed so by this user: nothing was written."""

    def __init__(self, records: Sequence[models.Model]):
        self.records = list(records)
        super().__init__(ngettext(
            "You may not change %(n)s of the chosen records (%(names)s); nothing was changed.",
            "You may not change %(n)s of the chosen records (%(names)s); nothing was changed.",
            len(self.records)) % {"n": len(self.records), "names": named(self.records)})


def named(records: Sequence[models.Model]) -> str:
    """The first few records by name, then how many more."""
    names = "、".join(str(r) for r in records[:BULK_NAMED])
    rest = len(records) - BULK_NAMED
    return names + (_(" and %(n)s more") % {"n": rest} if rest > 0 else "")


def records_bulk_update(*, actor, instances: Sequence[M], changes: Mapping[str, Any],
                        update: Callable[..., M]) -> BulkResult:
    """Give every record in ``instances`` the same ``changes``, all or nothing, each through the
    module's own one-record service ``update(actor=, instance=, changes=)`` — so each record is
    checked by its rule (before and after, as a single edit is), validated by its model and
    logged in its own change-log row, exactly as if edited alone.

    All or nothing (as NetBox's bulk edit, and as a district office expects of "change these
    300 homes"): a record the user may not change so refuses the whole batch before anything is
    written (``BulkRefused``, naming the records); a record the new values do not fit is rolled
    back with every other, and the ``ValidationError`` names each record and its reason, field by
    field, so the user can untick them or choose other values."""
    instances = list(instances)
    if not instances:
        raise ValidationError(_("Choose at least one record."))
    if len(instances) > BULK_EDIT_LIMIT:
        raise ValidationError(_("At most %(limit)s records can be changed at once; %(n)s were chosen.")
                              % {"limit": BULK_EDIT_LIMIT, "n": len(instances)})
    if not changes:
        raise ValidationError(_("Choose at least one field to change."))
    grants = fields_many(actor, instances)
    refused = [obj for obj in instances if not grants[obj.pk].covers(changes.keys())]
    if refused:
        raise BulkRefused(refused)
    invalid: dict[str, list[tuple[models.Model, str]]] = {}
    changed = 0
    with transaction.atomic():
        for obj in instances:
            before = snapshot(obj)
            try:
                saved = update(actor=actor, instance=obj, changes=dict(changes))  # a savepoint of its own
            except PermissionDenied:  # the re-check after the write: the change takes it out of reach
                raise BulkRefused([obj]) from None
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
                for field, messages in errors.items():
                    invalid.setdefault(field, []).extend((obj, message) for message in messages)
                continue
            changed += snapshot(saved) != before
        if invalid:
            raise ValidationError({field: _bulk_messages(pairs) for field, pairs in invalid.items()})
    return BulkResult(changed=changed, unchanged=len(instances) - changed)


def _bulk_messages(pairs: list[tuple[models.Model, str]]) -> list[str]:
    """One message per distinct reason, naming the records it applies to."""
    by_reason: dict[str, list[models.Model]] = {}
    for obj, message in pairs:
        by_reason.setdefault(message, []).append(obj)
    return [_("%(records)s: %(message)s") % {"records": named(objs), "message": message}
            for message, objs in by_reason.items()]
