"""The repair request's state machine: every action, the states it may start from, where it
leads, and who may take it — in ONE table (``TABLE``), run by ``core.machine.Machine``.
``services.act`` performs through it, the pages offer ``MACHINE.allowed``; the exhaustive test
restates it independently.

Capacities are what a user is *to one request*: its reporter, a dispatcher of the company that
serves its estate now (manager or dispatcher), a technician of that company, the neighbourhood
committee or town office of its estate, the bureau, or the system (the clock: ``core.actors``).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.roles import grants
from fangguan.core.machine import STAY, SYSTEM, Machine, Transition
from fangguan.registry.scopes import serving_company_ids

from .choices import OPEN, WORKING, EventKind, HandOff, Level
from .choices import Status as S

REPORTER = "reporter"
DISPATCHER = "dispatcher"
TECHNICIAN = "technician"
COMMITTEE = "committee"
TOWN = "town"
BUREAU = "bureau"
CAPACITIES = (REPORTER, DISPATCHER, TECHNICIAN, COMMITTEE, TOWN, BUREAU, SYSTEM)

COMPANY = frozenset({DISPATCHER, TECHNICIAN})
GRID = frozenset({COMMITTEE, TOWN, BUREAU})


def _stay(states) -> dict:
    return {s: STAY for s in states}


def escalation_level(caps) -> str:
    """Where an escalation by someone of these capacities goes: a neighbourhood committee hands
    over to the town office; a reporter (or the clock) to the neighbourhood committee."""
    return Level.TOWN if COMMITTEE in caps else Level.COMMITTEE


def waiting_levels(caps) -> list[str]:
    """The hand-offs these capacities receive (and acknowledge)."""
    return [lv for lv, cap in ((Level.COMMITTEE, COMMITTEE), (Level.TOWN, TOWN)) if cap in caps]


# Guards: what else must hold for an action to make sense now (else 409, and it is not offered).
def not_yet_escalated(request, caps):
    """Any record with ``escalations`` (level, state) — repair requests, complaints."""
    if request.escalations.filter(level=escalation_level(caps), state=HandOff.SENT).exists():
        return _("Already escalated and not yet acknowledged.")
    return None


def escalation_waiting(request, caps):
    if not request.escalations.filter(level__in=waiting_levels(caps), state=HandOff.SENT).exists():
        return _("There is no escalation waiting for you on this request.")
    return None


def _note_waiting(request, caps):
    if not request.supervisions.filter(answered_at__isnull=True).exists():
        return _("There is no supervision note waiting for an answer.")
    return None


# Beyond the table, one rule per request: a technician starts and completes only work assigned to
# them or to nobody yet (``services._own_work``).
TABLE: dict[str, Transition] = {
    "accept": Transition({S.SUBMITTED: S.ACCEPTED, S.REOPENED: S.ACCEPTED}, frozenset({DISPATCHER}),
                         EventKind.ACCEPTED),
    "assign": Transition({S.SUBMITTED: S.ACCEPTED, S.REOPENED: S.ACCEPTED, S.ACCEPTED: STAY,
                          S.IN_PROGRESS: STAY, S.DEFERRED: STAY}, frozenset({DISPATCHER}), EventKind.ASSIGNED),
    "start": Transition({S.ACCEPTED: S.IN_PROGRESS, S.DEFERRED: S.IN_PROGRESS}, COMPANY, EventKind.STARTED),
    "complete": Transition({S.IN_PROGRESS: S.COMPLETED}, COMPANY, EventKind.COMPLETED),
    "defer": Transition({S.SUBMITTED: S.DEFERRED, S.ACCEPTED: S.DEFERRED, S.IN_PROGRESS: S.DEFERRED,
                         S.REOPENED: S.DEFERRED}, frozenset({DISPATCHER}), EventKind.DEFERRED),
    "reject": Transition({S.SUBMITTED: S.REJECTED, S.ACCEPTED: S.REJECTED, S.REOPENED: S.REJECTED},
                         frozenset({DISPATCHER}), EventKind.REJECTED),
    "change_urgency": Transition(_stay(WORKING), frozenset({DISPATCHER}), EventKind.URGENCY_CHANGED),
    "escalate": Transition(_stay(WORKING), frozenset({REPORTER, COMMITTEE, SYSTEM}), EventKind.ESCALATED,
                           guard=not_yet_escalated),
    "acknowledge": Transition(_stay(OPEN), frozenset({COMMITTEE, TOWN}), EventKind.ACKNOWLEDGED,
                              guard=escalation_waiting),
    "supervise": Transition(_stay(OPEN), GRID, EventKind.SUPERVISED),
    "answer": Transition(_stay(OPEN), frozenset({DISPATCHER}), EventKind.ANSWERED, guard=_note_waiting),
    "confirm": Transition({S.COMPLETED: S.CLOSED}, frozenset({REPORTER}), EventKind.CONFIRMED),
    "reopen": Transition({S.COMPLETED: S.REOPENED}, frozenset({REPORTER}), EventKind.REOPENED),
    "cancel": Transition({S.SUBMITTED: S.CANCELLED, S.ACCEPTED: S.CANCELLED, S.DEFERRED: S.CANCELLED,
                          S.REOPENED: S.CANCELLED}, frozenset({REPORTER}), EventKind.CANCELLED),
    "merge": Transition({s: S.CLOSED for s in WORKING}, frozenset({DISPATCHER, COMMITTEE, TOWN, BUREAU}),
                        EventKind.MERGED),
    "close": Transition({S.COMPLETED: S.CLOSED}, frozenset({SYSTEM}), EventKind.CLOSED),
}


def capacities(user, request, today=None) -> frozenset[str]:
    """What a signed-in person ``user`` is to ``request`` (the machine answers for the system)."""
    found = set()
    if request.reporter_id is not None and request.reporter_id == user.pk:
        found.add(REPORTER)
    gs = grants(user)
    company_ids = {g.company_id for g in gs if g.kind == OrgKind.COMPANY}
    if company_ids:
        serving = set(serving_company_ids(request.estate_id, today or timezone.localdate())
                      .filter(company_id__in=company_ids).values_list("company_id", flat=True))
        for g in gs:
            if g.kind == OrgKind.COMPANY and g.company_id in serving:
                found.add(TECHNICIAN if g.role == Role.TECHNICIAN else DISPATCHER)
    estate = request.estate
    for g in gs:
        if g.kind == OrgKind.NEIGHBOURHOOD and g.neighbourhood_id == estate.neighbourhood_id:
            found.add(COMMITTEE)
        elif g.kind == OrgKind.TOWN_OFFICE and g.town_id == estate.town_id:
            found.add(TOWN)
        elif g.kind == OrgKind.BUREAU:
            found.add(BUREAU)
    return frozenset(found)


MACHINE = Machine(
    TABLE, capacities, internal=frozenset({"close"}),  # ``close`` belongs to the clock
    forbidden=_("You may not do this to this request."),
    conflict=_("Not possible while the request is “%(state)s”."),
)
ACTIONS = MACHINE.actions
API_ACTIONS = MACHINE.public_actions
allowed_actions = MACHINE.allowed
