"""Who sees and changes development records: the bureau and auditors read the whole district, a
town office its town's records; the bureau writes everything, a town office its town's. Other
roles (companies, committees, owners) see none. One rule, keyed by the path to the town."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import is_bureau, kinds, reads_everything, town_ids
from fangguan.core.scopes import ADD, DELETE, EVERYTHING, NOTHING, Rule, register_scope

from . import models as m

__all__ = ["TownRule", "register_all", "sees_development", "town_ids"]


def sees_development(user) -> bool:
    """The bureau, auditors and town offices (whom the menu offers these lists)."""
    return reads_everything(user) or OrgKind.TOWN_OFFICE in kinds(user)


@dataclass(frozen=True)
class TownRule(Rule):
    """The bureau manages (adds, changes, deletes) every record, a town office its town's."""

    model: type[models.Model]
    town: str  # lookup path from the model to its town id

    def visible(self, qs, user):
        if reads_everything(user):
            return qs
        towns = town_ids(user)
        return qs.filter(**{f"{self.town}__in": towns}) if towns else qs.none()

    def fields(self, user, record):
        return self.fields_many(user, [record])[record.pk]

    def fields_many(self, user, records):
        managed = self._managed(user, records)
        return {obj.pk: EVERYTHING if obj.pk in managed else NOTHING for obj in records}

    def allows(self, user, action, record):
        if action not in (ADD, DELETE):
            return False
        if record is None:
            return action == ADD and (is_bureau(user) or bool(town_ids(user)))
        return record.pk in self._managed(user, [record])

    def _managed(self, user, records) -> set[int]:
        pks = [obj.pk for obj in records]
        if is_bureau(user):
            return set(pks)
        towns = town_ids(user)
        if not towns:
            return set()
        mine = self.model._default_manager.filter(pk__in=pks).filter(Q(**{f"{self.town}__in": towns}))
        return set(mine.values_list("pk", flat=True))


def register_all() -> None:
    for rule in (
        TownRule(m.Parcel, "town_id"),
        TownRule(m.Project, "town_id"),
        TownRule(m.Permit, "project__town_id"),
        TownRule(m.AffordableQuota, "project__town_id"),
        TownRule(m.Renovation, "town_id"),
    ):
        register_scope(rule.model, rule)
