"""Who sees which repair requests — the one place these rules live.

The bureau and auditors see every request; a town office its town's; a neighbourhood committee
its estates'; a property company (manager, dispatcher, technician) the requests of the estates it
serves under a contract in force today (``registry.scopes.reach_of``), so a company never sees
another company's estates, nor its own former ones; a resident only the requests they reported.
Events, photos, escalations and supervision notes are visible with their request. The category
catalogue is public to every signed-in user and changed by the bureau only.

Who may *do* what to a visible request is the state machine's table (``machine.py``).
"""

from __future__ import annotations

from django.db.models import Q

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, grants
from fangguan.core.scopes import EVERYTHING, NOTHING, register_scope
from fangguan.registry.scopes import reach_of

from . import models as m

READ_ALL = {OrgKind.BUREAU, OrgKind.AUDIT}


def request_q(user) -> Q | None:
    """The filter on RepairRequest for this user; None means every request."""
    gs = grants(user)
    if any(g.kind in READ_ALL for g in gs):
        return None
    # what one reported: only residents report (``services._creator_role``); leaving the term out
    # for staff keeps their queue an index search instead of a scan
    staff = {OrgKind.TOWN_OFFICE, OrgKind.NEIGHBOURHOOD, OrgKind.COMPANY}
    q = Q(reporter_id=user.pk) if any(g.kind == OWNER for g in gs) or not any(g.kind in staff for g in gs) \
        else Q(pk__in=[])
    for g in gs:
        if g.kind == OrgKind.TOWN_OFFICE:
            q |= Q(estate__town_id=g.town_id)
        elif g.kind == OrgKind.NEIGHBOURHOOD:
            q |= Q(estate__neighbourhood_id=g.neighbourhood_id)
        elif g.kind == OrgKind.COMPANY:
            q |= Q(estate_id__in=reach_of(g).estates)
    return q


class RequestRule:
    def visible(self, qs, user):
        q = request_q(user)
        return qs if q is None else qs.filter(q)

    def writable(self, user, instance):
        from .machine import capacities

        return EVERYTHING if capacities(user, instance) else NOTHING

    def creatable(self, user) -> bool:
        return any(g.kind in (OWNER, OrgKind.COMPANY, OrgKind.BUREAU) for g in grants(user))


class HangsFromRequest:
    """Events, photos, escalations, supervision: visible with their request; written by services."""

    def visible(self, qs, user):
        q = request_q(user)
        if q is None:
            return qs
        return qs.filter(request__in=m.RepairRequest.objects.filter(q).values("pk"))

    def writable(self, user, instance):
        return NOTHING

    def creatable(self, user) -> bool:
        return False


class CategoryRule:
    def visible(self, qs, user):
        return qs

    def writable(self, user, instance):
        return EVERYTHING if any(g.kind == OrgKind.BUREAU for g in grants(user)) else NOTHING

    def creatable(self, user) -> bool:
        return any(g.kind == OrgKind.BUREAU for g in grants(user))


def register_all() -> None:
    register_scope(m.RepairRequest, RequestRule())
    for model in (m.RepairEvent, m.Photo, m.Escalation, m.Supervision):
        register_scope(model, HangsFromRequest())
    register_scope(m.Category, CategoryRule())
