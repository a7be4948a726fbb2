"""Every write to development records (forms, API, imports, demo commands all come here):
``core.services`` checks scope, runs the model's ``clean()``, saves, re-checks and logs.

Renovations also link estates; those must be visible to the writer and lie in the
renovation's town (checked inside the same transaction, so a refused link changes nothing).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from fangguan.core.services import record_create, record_delete, record_update

from .models import Renovation


def _check_estates(renovation: Renovation, estates) -> None:
    other = [e for e in estates if e.town_id != renovation.town_id]
    if other:
        raise ValidationError({"estates": [_("Estate %(name)s is in another town.") % {"name": other[0].name}]})


def development_create(*, actor, model: type[models.Model], data: dict[str, Any]) -> models.Model:
    data = dict(data)
    estates = data.pop("estates", None)
    instance = model(**data)

    def link(saved):
        if estates is not None:
            _check_estates(saved, estates)
            saved.estates.set(estates)

    return record_create(actor=actor, instance=instance, after_save=link if model is Renovation else None)


def development_update(*, actor, instance: models.Model, changes: dict[str, Any]) -> models.Model:
    """Change a record; a renovation's estates are linked in the same write, so its one
    change-log row holds the new links beside the changed fields."""
    changes = dict(changes)
    estates = changes.pop("estates", None)

    def link(saved):
        if estates is not None and isinstance(saved, Renovation):
            _check_estates(saved, estates)
            saved.estates.set(estates)

    # with no field changed it is still a write: the scope check runs
    return record_update(actor=actor, instance=instance, changes=changes, after_save=link)


def development_delete(*, actor, instance: models.Model) -> None:
    record_delete(actor=actor, instance=instance)
