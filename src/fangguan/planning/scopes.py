"""Who sees plans: the bureau, auditors and town offices (a town office sees every indicator,
with its own town's contribution as the actual — the measures read records through scope).
Only the bureau changes plans and indicators; entered values are the bureau's, or a town
office's for its town."""

from __future__ import annotations

from dataclasses import dataclass

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import grants
from fangguan.core.scopes import EVERYTHING, NOTHING, register_scope

from . import models as m

READERS = {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE}


def sees_plans(user) -> bool:
    return any(g.kind in READERS for g in grants(user))


def _bureau(user) -> bool:
    return any(g.kind == OrgKind.BUREAU for g in grants(user))


@dataclass(frozen=True)
class PlanRule:
    def visible(self, qs, user):
        return qs if sees_plans(user) else qs.none()

    def writable(self, user, instance):
        return EVERYTHING if _bureau(user) else NOTHING

    def creatable(self, user) -> bool:
        return _bureau(user)


@dataclass(frozen=True)
class EnteredRule:
    def _towns(self, user) -> set[int]:
        return {g.town_id for g in grants(user) if g.kind == OrgKind.TOWN_OFFICE and g.town_id}

    def visible(self, qs, user):
        if any(g.kind in (OrgKind.BUREAU, OrgKind.AUDIT) for g in grants(user)):
            return qs
        towns = self._towns(user)
        return qs.filter(town_id__in=towns) if towns else qs.none()

    def writable(self, user, instance):
        if _bureau(user) or (instance.town_id and instance.town_id in self._towns(user)):
            return EVERYTHING
        return NOTHING

    def creatable(self, user) -> bool:
        return _bureau(user) or bool(self._towns(user))


def register_all() -> None:
    register_scope(m.Plan, PlanRule())
    register_scope(m.Indicator, PlanRule())
    register_scope(m.EnteredValue, EnteredRule())
