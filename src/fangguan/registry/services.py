"""Every write to the registry. Views, the API, imports and commands all come through here.

Plain records use ``registry_create`` / ``registry_update`` / ``registry_delete`` (validation
lives in each model's ``clean``); people have their own services because identity numbers and
phones are encrypted, indexed and masked on the way in, and revealed only with a logged reason.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from fangguan.accounts.roles import may_reveal
from fangguan.core.audit import log_security
from fangguan.core.models import Outcome, SecurityAction
from fangguan.core.services import (
    BulkResult,
    record_create,
    record_delete,
    record_update,
    records_bulk_update,
)

from .models import HomeShare, Person


def registry_create(*, actor, model: type[models.Model], data: dict[str, Any]) -> models.Model:
    if model is Person:
        return person_create(actor=actor, data=data)
    return record_create(actor=actor, instance=model(**data))


def registry_update(*, actor, instance: models.Model, changes: dict[str, Any]) -> models.Model:
    if isinstance(instance, Person):
        return person_update(actor=actor, person=instance, changes=changes)
    return record_update(actor=actor, instance=instance, changes=changes)


def registry_delete(*, actor, instance: models.Model) -> None:
    record_delete(actor=actor, instance=instance)


# --- People ---------------------------------------------------------------------------------

PERSONAL_FIELDS = ("id_number", "phone")


def _person_assign(person: Person, name: str, value: Any) -> None:
    """Personal numbers go through the setters that encrypt, index and mask them."""
    try:
        if name == "id_number":
            person.set_id_number(value or "")
        elif name == "phone":
            person.set_phone(value or "")
        else:
            setattr(person, name, value)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from None


def person_create(*, actor, data: dict[str, Any], share: dict[str, Any] | None = None) -> Person:
    """Create a person, optionally with their right in a home (``share``: home, kind, percent,
    since). Staff outside the bureau register people through a home in their scope: the scope
    check runs after both are written, in one transaction."""
    data = dict(data)
    personal = {k: data.pop(k) for k in PERSONAL_FIELDS if k in data}
    person = Person(**data)
    for name, value in personal.items():
        _person_assign(person, name, value)

    def add_share(saved: Person) -> None:
        if share:
            record_create(actor=actor, instance=HomeShare(person=saved, **share))

    with transaction.atomic():
        return record_create(actor=actor, instance=person, after_save=add_share)


def person_update(*, actor, person: Person, changes: dict[str, Any]) -> Person:
    changes = dict(changes)
    if "id_number" in changes and "id_type" in changes:  # the type decides how the number is checked
        changes = {"id_type": changes.pop("id_type"), **changes}
    return record_update(actor=actor, instance=person, changes=changes, assign=_person_assign)


def person_reveal(*, actor, person: Person, field: str, reason: str) -> str:
    """Show one personal value in clear: needs the reveal permission and a reason; always logged."""
    if field not in PERSONAL_FIELDS:
        raise ValidationError({"field": _("Only the identity number or the phone can be revealed.")})
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for viewing this personal data.")})
    if not may_reveal(actor):
        log_security(actor=actor, action=SecurityAction.REVEAL, outcome=Outcome.DENIED, instance=person,
                     detail={"field": field, "reason": reason[:200]})
        raise PermissionDenied(_("You may not view unmasked personal data."))
    value = person.id_number_clear() if field == "id_number" else person.phone_clear()
    log_security(actor=actor, action=SecurityAction.REVEAL, instance=person,
                 detail={"field": field, "reason": reason[:200]})
    return value


def registry_bulk_update(*, actor, instances, changes: dict[str, Any]) -> BulkResult:
    """The same changes to many registry records, all or nothing, each as ``registry_update``
    would make it (checked by its rule, validated, logged on its own)."""
    return records_bulk_update(actor=actor, instances=instances, changes=changes, update=registry_update)
