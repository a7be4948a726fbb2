"""Who sees plans: the bureau, auditors and town offices (a town office sees every indicator,
with its own town's contribution as the actual — the measures read records through scope).
Only the bureau changes plans and indicators; entered values are the bureau's, or a town
office's for its town."""

from __future__ import annotations

from dataclasses import dataclass

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import grants, is_bureau, reads_everything, town_ids
from fangguan.core.scopes import ADD, DELETE, EVERYTHING, NOTHING, Rule, register_scope

from . import models as m

READERS = {OrgKind.BUREAU, OrgKind.AUDIT, OrgKind.TOWN_OFFICE}


def sees_plans(user) -> bool:
    return any(g.kind in READERS for g in grants(user))


@dataclass(frozen=True)
class PlanRule(Rule):
    """Plans and indicators: read by the bureau, auditors and town offices; managed by the bureau."""

    def visible(self, qs, user):
        return qs if sees_plans(user) else qs.none()

    def fields(self, user, record):
        return EVERYTHING if is_bureau(user) else NOTHING

    def allows(self, user, action, record):
        return action in (ADD, DELETE) and is_bureau(user)


@dataclass(frozen=True)
class EnteredRule(Rule):
    """Entered values: the bureau manages all, a town office its town's."""

    def visible(self, qs, user):
        if reads_everything(user):
            return qs
        towns = town_ids(user)
        return qs.filter(town_id__in=towns) if towns else qs.none()

    def _manages(self, user, record) -> bool:
        if is_bureau(user):
            return True
        return bool(town_ids(user)) if record is None else bool(record.town_id and record.town_id in town_ids(user))

    def fields(self, user, record):
        return EVERYTHING if self._manages(user, record) else NOTHING

    def allows(self, user, action, record):
        return action in (ADD, DELETE) and self._manages(user, record)


def entry_towns(user):
    """The towns a user enters values for: every town for the bureau, its own for a town office."""
    from fangguan.registry.models import Town

    towns = Town.objects.visible_to(user)
    return towns if is_bureau(user) else towns.filter(pk__in=town_ids(user))


def register_all() -> None:
    register_scope(m.Plan, PlanRule())
    register_scope(m.Indicator, PlanRule())
    register_scope(m.EnteredValue, EnteredRule())
