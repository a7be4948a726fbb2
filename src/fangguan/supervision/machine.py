"""The supervision workflows as tables (``core.machine``): an inspection (drafted → findings
open → closed), a breach on a credit file (recorded → disputed → upheld / annulled; corrected
after its months), a complaint (on the repairs clock and escalation ladder), a pool entry, a
handover inspection. The services perform through them, the pages offer ``allowed``, the
exhaustive tests restate them by hand.

Capacities, what a user is to one record: the inspecting body (the town office of the estate
for a monthly inspection, the bureau for a spot check), the company concerned (its staff; a
technician is not), the complainant, the estate's neighbourhood committee and town office, the
bureau, the estate's developer (handover), the system (the clock, the nightly pool check).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.roles import OWNER, grants
from fangguan.core.machine import STAY, SYSTEM, Machine, Transition
from fangguan.repairs.machine import escalation_waiting, not_yet_escalated

from .choices import (
    COMPLAINT_OPEN,
    COMPLAINT_WORKING,
    BreachStatus,
    ComplaintStatus,
    EventKind,
    FindingStatus,
    HandoverStatus,
    InspectionStatus,
    PoolStatus,
    TemplateKind,
)

INSPECTOR = "inspector"
COMPANY = "company"
REPORTER = "reporter"
COMMITTEE = "committee"
TOWN = "town"
BUREAU = "bureau"
DEVELOPER = "developer"


def _company_staff(gs, company_id) -> bool:
    return any(g.kind == OrgKind.COMPANY and g.company_id == company_id and g.role != Role.TECHNICIAN for g in gs)


def _is_bureau(gs) -> bool:
    return any(g.kind == OrgKind.BUREAU for g in gs)


# --- Inspections ----------------------------------------------------------------------------

I = InspectionStatus  # noqa: E741


def _finding_open(inspection, caps):
    if not inspection.findings.filter(status=FindingStatus.OPEN).exists():
        return _("There is no finding waiting for the company's answer.")
    return None


def _finding_answered(inspection, caps):
    if not inspection.findings.filter(status=FindingStatus.ANSWERED).exists():
        return _("There is no answer waiting to be checked.")
    return None


def _all_corrected(inspection, caps):
    if inspection.findings.exclude(status=FindingStatus.ACCEPTED).exists():
        return _("Some findings are not yet corrected.")
    return None


INSPECTION_TABLE: dict[str, Transition] = {
    "check": Transition({I.DRAFT: STAY}, frozenset({INSPECTOR}), EventKind.CREATED),
    "submit": Transition({I.DRAFT: I.OPEN}, frozenset({INSPECTOR}), EventKind.SUBMITTED),
    "answer": Transition({I.OPEN: STAY}, frozenset({COMPANY}), EventKind.ANSWERED, guard=_finding_open),
    "accept": Transition({I.OPEN: STAY}, frozenset({INSPECTOR}), EventKind.ACCEPTED, guard=_finding_answered),
    "return": Transition({I.OPEN: STAY}, frozenset({INSPECTOR}), EventKind.RETURNED, guard=_finding_answered),
    "close": Transition({I.OPEN: I.CLOSED}, frozenset({INSPECTOR}), EventKind.CLOSED, guard=_all_corrected),
    "cancel": Transition({I.DRAFT: I.CANCELLED}, frozenset({INSPECTOR}), EventKind.CANCELLED),
}


def inspecting_body(user, estate, kind: str) -> bool:
    """Whether ``user`` inspects for the body an inspection of ``kind`` in ``estate`` belongs to:
    the town office of its town (monthly), the bureau (spot checks)."""
    gs = grants(user)
    if kind == TemplateKind.TOWN_MONTHLY:
        return any(g.kind == OrgKind.TOWN_OFFICE and g.town_id == estate.town_id for g in gs)
    return _is_bureau(gs)


def inspection_capacities(user, inspection, today=None) -> frozenset[str]:
    found = set()
    if inspecting_body(user, inspection.estate, inspection.kind):
        found.add(INSPECTOR)
    if inspection.company_id and _company_staff(grants(user), inspection.company_id):
        found.add(COMPANY)
    return frozenset(found)


INSPECTION = Machine(INSPECTION_TABLE, inspection_capacities, forbidden=_("You may not do this to this inspection."),
                     conflict=_("Not possible while the inspection is “%(state)s”."))


# --- Breaches -------------------------------------------------------------------------------

B = BreachStatus


def _not_disputed_before(breach, caps):
    if breach.disputed_at is not None:
        return _("This breach has already been disputed once.")
    return None


BREACH_TABLE: dict[str, Transition] = {
    "dispute": Transition({B.RECORDED: B.DISPUTED}, frozenset({COMPANY}), EventKind.DISPUTED,
                          guard=_not_disputed_before),
    "uphold": Transition({B.DISPUTED: B.RECORDED}, frozenset({BUREAU}), EventKind.UPHELD),
    "annul": Transition({B.DISPUTED: B.ANNULLED}, frozenset({BUREAU}), EventKind.ANNULLED),
    "correct": Transition({B.RECORDED: B.CORRECTED}, frozenset({BUREAU}), EventKind.CORRECTED),
}


def breach_capacities(user, breach, today=None) -> frozenset[str]:
    gs = grants(user)
    found = set()
    if _company_staff(gs, breach.company_id):
        found.add(COMPANY)
    if _is_bureau(gs):
        found.add(BUREAU)
    return frozenset(found)


BREACH = Machine(BREACH_TABLE, breach_capacities, forbidden=_("You may not do this to this breach."),
                 conflict=_("Not possible while the breach is “%(state)s”."))


# --- Complaints (the repairs clock and escalation) ------------------------------------------

C = ComplaintStatus


def _stay(states) -> dict:
    return {s: STAY for s in states}


COMPLAINT_TABLE: dict[str, Transition] = {
    "take": Transition({C.SUBMITTED: C.HANDLING}, frozenset({COMPANY}), EventKind.ACCEPTED_COMPLAINT),
    "reply": Transition({C.SUBMITTED: C.REPLIED, C.HANDLING: C.REPLIED}, frozenset({COMPANY}), EventKind.REPLIED),
    "uphold": Transition({s: C.UPHELD for s in COMPLAINT_OPEN}, frozenset({TOWN, BUREAU}), EventKind.UPHELD),
    "dismiss": Transition({s: C.DISMISSED for s in COMPLAINT_OPEN}, frozenset({TOWN, BUREAU}), EventKind.DISMISSED),
    "withdraw": Transition({s: C.WITHDRAWN for s in COMPLAINT_WORKING}, frozenset({REPORTER}), EventKind.WITHDRAWN),
    "escalate": Transition(_stay(COMPLAINT_WORKING), frozenset({REPORTER, COMMITTEE, SYSTEM}), EventKind.ESCALATED,
                           guard=not_yet_escalated),
    "acknowledge": Transition(_stay(COMPLAINT_OPEN), frozenset({COMMITTEE, TOWN}), EventKind.ACKNOWLEDGED,
                              guard=escalation_waiting),
}


def complaint_capacities(user, complaint, today=None) -> frozenset[str]:
    """The capacities of the repairs table's grid (committee, town, bureau) and escalation
    levels, so ``repairs.machine.escalation_level`` answers for complaints too."""
    found = set()
    if complaint.reporter_id is not None and complaint.reporter_id == user.pk:
        found.add(REPORTER)
    gs = grants(user)
    if _company_staff(gs, complaint.company_id):
        found.add(COMPANY)
    estate = complaint.estate
    for g in gs:
        if g.kind == OrgKind.NEIGHBOURHOOD and g.neighbourhood_id == estate.neighbourhood_id:
            found.add(COMMITTEE)
        elif g.kind == OrgKind.TOWN_OFFICE and g.town_id == estate.town_id:
            found.add(TOWN)
        elif g.kind == OrgKind.BUREAU:
            found.add(BUREAU)
    return frozenset(found)


COMPLAINT = Machine(COMPLAINT_TABLE, complaint_capacities, forbidden=_("You may not do this to this complaint."),
                    conflict=_("Not possible while the complaint is “%(state)s”."))


# --- The district pool ----------------------------------------------------------------------

P = PoolStatus

POOL_TABLE: dict[str, Transition] = {
    "admit": Transition({P.APPLIED: P.ADMITTED}, frozenset({BUREAU}), EventKind.ACCEPTED),
    "refuse": Transition({P.APPLIED: P.REFUSED}, frozenset({BUREAU}), EventKind.DISMISSED),
    "remove": Transition({P.ADMITTED: P.REMOVED}, frozenset({BUREAU, SYSTEM}), EventKind.CLOSED),
    "expire": Transition({P.ADMITTED: P.EXPIRED}, frozenset({SYSTEM}), EventKind.CLOSED),
}


def pool_capacities(user, entry, today=None) -> frozenset[str]:
    gs = grants(user)
    found = set()
    if _is_bureau(gs):
        found.add(BUREAU)
    if _company_staff(gs, entry.company_id):
        found.add(COMPANY)
    return frozenset(found)


POOL = Machine(POOL_TABLE, pool_capacities, internal=frozenset({"expire"}),
               forbidden=_("You may not do this to this pool entry."),
               conflict=_("Not possible while the pool entry is “%(state)s”."))


# --- Handover inspections -------------------------------------------------------------------

H = HandoverStatus


def _defect_open(handover, caps):
    if not handover.defects.filter(status="open").exists():
        return _("There is no defect waiting to be fixed.")
    return None


HANDOVER_TABLE: dict[str, Transition] = {
    "record": Transition({H.INSPECTING: STAY}, frozenset({DEVELOPER, COMPANY}), EventKind.CREATED),
    "add_defect": Transition({H.INSPECTING: STAY, H.SIGNED: STAY}, frozenset({DEVELOPER, COMPANY}), EventKind.DEFECT),
    "fix": Transition({H.INSPECTING: STAY, H.SIGNED: STAY, H.FILED: STAY}, frozenset({DEVELOPER}), EventKind.FIXED,
                      guard=_defect_open),
    "sign": Transition({H.INSPECTING: H.SIGNED}, frozenset({DEVELOPER, COMPANY}), EventKind.SIGNED),
    "file": Transition({H.SIGNED: H.FILED}, frozenset({DEVELOPER, COMPANY}), EventKind.FILED),
}


def handover_capacities(user, handover, today=None) -> frozenset[str]:
    gs = grants(user)
    found = set()
    if _company_staff(gs, handover.company_id):
        found.add(COMPANY)
    if any(g.kind == OWNER and g.person_id == handover.developer_id for g in gs):
        found.add(DEVELOPER)
    if _is_bureau(gs):
        found.add(BUREAU)
    return frozenset(found)


HANDOVER = Machine(HANDOVER_TABLE, handover_capacities, forbidden=_("You may not do this to this handover."),
                   conflict=_("Not possible while the handover is “%(state)s”."))
