"""Who sees plans: the bureau, auditors and town offices (a town office sees every indicator,
with its own town's contribution as the actual — the measures read records through scope).
Only the bureau changes plans and indicators; entered values are the bureau's, or a town
office's for its town."""

from __future__ import annotations

from dataclasses import dataclass

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import grants, is_bureau, reads_everything, town_ids
from fangguan.core.scopes import EVERYTHING, NOTHING, register_scope

from . import models as m

READERS = {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE}


def sees_plans(user) -> bool:
    return any(g.kind in READERS for g in grants(user))


@dataclass(frozen=True)
class PlanRule:
    def visible(self, qs, user):
        return qs if sees_plans(user) else qs.none()

    def writable(self, user, instance):
        return EVERYTHING if is_bureau(user) else NOTHING

    def creatable(self, user) -> bool:
        return is_bureau(user)


@dataclass(frozen=True)
class EnteredRule:
    def visible(self, qs, user):
        if reads_everything(user):
            return qs
        towns = town_ids(user)
        return qs.filter(town_id__in=towns) if towns else qs.none()

    def writable(self, user, instance):
        if is_bureau(user) or (instance.town_id and instance.town_id in town_ids(user)):
            return EVERYTHING
        return NOTHING

    def creatable(self, user) -> bool:
        return is_bureau(user) or bool(town_ids(user))


def register_all() -> None:
    register_scope(m.Plan, PlanRule())
    register_scope(m.Indicator, PlanRule())
    register_scope(m.EnteredValue, EnteredRule())
