"""Who sees and changes development records: the bureau and auditors read the whole district, a
town office its town's records; the bureau writes everything, a town office its town's. Other
roles (companies, committees, owners) see none. One rule, keyed by the path to the town."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import is_bureau, kinds, reads_everything, town_ids
from fangguan.core.scopes import EVERYTHING, NOTHING, register_scope

from . import models as m

__all__ = ["TownRule", "register_all", "sees_development", "town_ids"]


def sees_development(user) -> bool:
    """The bureau, auditors and town offices (whom the menu offers these lists)."""
    return reads_everything(user) or OrgKind.TOWN_OFFICE in kinds(user)


@dataclass(frozen=True)
class TownRule:
    model: type[models.Model]
    town: str  # lookup path from the model to its town id

    def visible(self, qs, user):
        if reads_everything(user):
            return qs
        towns = town_ids(user)
        return qs.filter(**{f"{self.town}__in": towns}) if towns else qs.none()

    def writable(self, user, instance):
        return self.writable_many(user, [instance])[instance.pk]

    def writable_many(self, user, instances):
        if is_bureau(user):
            return {obj.pk: EVERYTHING for obj in instances}
        towns = town_ids(user)
        result = {obj.pk: NOTHING for obj in instances}
        if towns:
            mine = self.model._default_manager.filter(pk__in=list(result)).filter(Q(**{f"{self.town}__in": towns}))
            for pk in mine.values_list("pk", flat=True):
                result[pk] = EVERYTHING
        return result

    def creatable(self, user) -> bool:
        return is_bureau(user) or bool(town_ids(user))


def register_all() -> None:
    for rule in (
        TownRule(m.Parcel, "town_id"),
        TownRule(m.Project, "town_id"),
        TownRule(m.Permit, "project__town_id"),
        TownRule(m.AffordableQuota, "project__town_id"),
        TownRule(m.Renovation, "town_id"),
    ):
        register_scope(rule.model, rule)
