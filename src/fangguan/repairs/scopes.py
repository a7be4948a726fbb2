"""Who sees which repair requests and who may file one where — the one place these rules live.

Reading: the bureau and auditors see every request; a town office its town's; a neighbourhood
committee its estates'; a property company (manager, dispatcher, technician) the requests of the
estates it serves under a contract in force today (``registry.scopes.reach_of``), so a company
never sees another company's estates, nor its own former ones; a resident only the requests they
reported. Events, photos, escalations and supervision notes are visible with their request. The
category catalogue is public to every signed-in user and managed by the bureau.

Filing (``filing_role``): a resident for their own homes (or the common parts of their estate);
a company's manager or dispatcher, for calls and visits, in the estates it serves; the bureau
anywhere; the system actor for the bridges (12345, Open311).

Who may *do* what to a visible request is the state machine's table (``machine.py``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.roles import OWNER, grants, is_bureau, reads_everything
from fangguan.core.actors import is_system
from fangguan.core.machine import SYSTEM
from fangguan.core.scopes import ADD, DELETE, EVERYTHING, NOTHING, Rule, register_scope
from fangguan.registry.models import Contract, Estate, HomeShare
from fangguan.registry.scopes import reach_of, serving_company_ids

from . import models as m
from .choices import Channel

REPORTER, DISPATCHER, BUREAU = "reporter", "dispatcher", "bureau"  # as in machine.py


_STAFF = {OrgKind.TOWN_OFFICE, OrgKind.NEIGHBOURHOOD, OrgKind.COMPANY}


def _reports_own(gs) -> bool:
    """Whether the reach includes "the requests one reported" (residents, and anyone without a
    staff grant)."""
    return any(g.kind == OWNER for g in gs) or not any(g.kind in _STAFF for g in gs)


def reads_by_estate(user) -> bool:
    """Whether ``request_q(user)`` is a rule on the request's estate only (so it applies as it is
    to the figures' cells, which know the estate but not the reporter)."""
    return reads_everything(user) or not _reports_own(grants(user))


def request_q(user) -> Q | None:
    """The filter on RepairRequest for this user; None means every request."""
    if reads_everything(user):
        return None
    gs = grants(user)
    # what one reported: only residents report (``filing_role``); leaving the term out for staff
    # keeps their queue an index search instead of a scan
    q = Q(reporter_id=user.pk) if _reports_own(gs) else Q(pk__in=[])
    for g in gs:
        if g.kind == OrgKind.TOWN_OFFICE:
            q |= Q(estate__town_id=g.town_id)
        elif g.kind == OrgKind.NEIGHBOURHOOD:
            q |= Q(estate__neighbourhood_id=g.neighbourhood_id)
        elif g.kind == OrgKind.COMPANY:
            q |= Q(estate_id__in=reach_of(g).estates)
    return q


# --- Filing ---------------------------------------------------------------------------------


def _dispatching_companies(user) -> list[int]:
    """The companies ``user`` registers calls for (managers and dispatchers, not technicians)."""
    return [g.company_id for g in grants(user) if g.kind == OrgKind.COMPANY and g.role != Role.TECHNICIAN]


def filing_role(user, estate, home, channel: str, day: dt.date) -> str | None:
    """In which capacity ``user`` files a request for ``estate`` (and ``home``): reporter,
    dispatcher, bureau or system — or None: they may not file it."""
    if is_system(user):
        return SYSTEM
    gs = grants(user)
    owner = next((g for g in gs if g.kind == OWNER), None)
    staff = any(g.kind in (OrgKind.COMPANY, OrgKind.BUREAU) for g in gs)
    # a resident files for themself (from the app, whatever channel they name); staff who also
    # own a home file calls and visits as staff
    if owner is not None and (channel == Channel.APP or not staff):
        mine = HomeShare.objects.as_of(day).filter(person_id=owner.person_id)
        if home is not None:
            if mine.filter(home=home).exists():
                return REPORTER
        elif mine.filter(home__building__estate=estate).exists():
            return REPORTER
    companies = _dispatching_companies(user)
    if companies and serving_company_ids(estate.pk, day).filter(company_id__in=companies).exists():
        return DISPATCHER
    if is_bureau(user):
        return BUREAU
    return None


def filing_choices(user, day: dt.date | None = None) -> tuple[list, list]:
    """(the estates ``user`` may file for, their own homes) — what the report form offers: a
    resident's homes and their estates, the estates a dispatcher's company serves."""
    day = day or timezone.localdate()
    homes, estate_ids = [], set()
    for g in grants(user):
        if g.kind == OWNER:
            shares = HomeShare.objects.as_of(day).filter(person_id=g.person_id).select_related("home__building__estate")
            homes = [s.home for s in shares]
            estate_ids |= {h.building.estate_id for h in homes}
    companies = _dispatching_companies(user)
    if companies:
        estate_ids |= set(Contract.objects.as_of(day).filter(company_id__in=companies)
                          .values_list("area__estate_id", flat=True))
    return list(Estate.objects.filter(pk__in=estate_ids).order_by("name")), homes


def serving_company_id(estate, building, day: dt.date) -> int | None:
    """The company a new request goes to: the one serving the building's management area, else
    the first serving the estate (whose figures it will count in)."""
    contracts = Contract.objects.as_of(day).filter(area__estate=estate)
    if building is not None and building.area_id:
        preferred = contracts.filter(area_id=building.area_id).values_list("company_id", flat=True).first()
        if preferred:
            return preferred
    return contracts.order_by("area_id").values_list("company_id", flat=True).first()


# --- Rules ----------------------------------------------------------------------------------


class RequestRule(Rule):
    """Requests are filed by those who may file somewhere (``filing_role`` decides where),
    changed only by the state machine's actions (``machine.TABLE``: who may take each, by
    capacity), and never deleted."""

    def visible(self, qs, user):
        q = request_q(user)
        return qs if q is None else qs.filter(q)

    def allows(self, user, action, record):
        if action == ADD:
            if record is None:
                return bool(filing_choices(user)[0]) or is_bureau(user)
            return filing_role(user, record.estate, record.home, record.channel, timezone.localdate()) is not None
        if action == DELETE:
            return False
        from .machine import MACHINE

        return record is not None and MACHINE.permits(user, action, record)


class CellRule(Rule):
    """The figures' cells (``repairs.figures``): read with the requests' rule on their estate
    (used only for readers whose reach is by estate: ``reads_by_estate``); written only by the
    services through ``core.rollups``."""

    def visible(self, qs, user):
        q = request_q(user)
        return qs if q is None else qs.filter(q)

    def allows(self, user, action, record):
        return False


class HangsFromRequest(Rule):
    """Events, photos, escalations, supervision: visible with their request; written by the
    request's services only."""

    def visible(self, qs, user):
        q = request_q(user)
        if q is None:
            return qs
        return qs.filter(request__in=m.RepairRequest.objects.filter(q).values("pk"))


class CategoryRule(Rule):
    """The catalogue: read by every signed-in user, managed by the bureau."""

    def visible(self, qs, user):
        return qs

    def fields(self, user, record):
        return EVERYTHING if is_bureau(user) else NOTHING

    def allows(self, user, action, record):
        return action in (ADD, DELETE) and is_bureau(user)


def register_all() -> None:
    register_scope(m.RepairRequest, RequestRule())
    register_scope(m.FiguresDay, CellRule())
    register_scope(m.FiguresMonth, CellRule())
    for model in (m.RepairEvent, m.Photo, m.Escalation, m.Supervision):
        register_scope(model, HangsFromRequest())
    register_scope(m.Category, CategoryRule())
