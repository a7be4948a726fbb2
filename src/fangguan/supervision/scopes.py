"""Who sees supervision records and who may do what — the one place these rules live.

Seeing: the bureau and auditors everything. A town office its town's inspections, complaints,
surveys and handovers; a neighbourhood committee its estates' complaints and submitted
inspections; an owners' committee its estate's submitted inspections and complaints; a company
its own inspections (once submitted), complaints, credit file, surveys, pool entries and
handovers — never another company's; a resident only the complaints they filed; a developer the
handovers of its estates. Credit files (breaches not annulled, achievements), project managers
and the pool are public to every business user (a committee choosing a company weighs its
credit, 上海市住宅物业管理规定 Art. 39) — but a company reads only its own.

Writing: each workflow's table (``machine.py``) answers its actions; ``add`` is answered here.
Nothing is deleted: inspections are cancelled, breaches annulled or corrected.
"""

from __future__ import annotations

from django.db.models import Q

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.roles import OWNER, business_grants, grants, reads_everything
from fangguan.core.scopes import ADD, NOTHING, Rule, register_scope
from fangguan.registry.models import Estate
from fangguan.registry.scopes import reach_of

from . import models as m
from .choices import BreachStatus, InspectionStatus


def _estate_q(user, prefix: str = "", *, company_field: str | None = "company_id", drafts: bool = False,
              committees: bool = True) -> Q | None:
    """Records hanging from an estate: None = all (bureau, audit)."""
    if reads_everything(user):
        return None
    q = Q(pk__in=[])
    for g in business_grants(user):
        if g.kind == OrgKind.TOWN_OFFICE:
            q |= Q(**{f"{prefix}estate__town_id": g.town_id})
        elif g.kind == OrgKind.NEIGHBOURHOOD:
            q |= Q(**{f"{prefix}estate__neighbourhood_id": g.neighbourhood_id})
        elif g.kind == OrgKind.OWNERS_COMMITTEE and committees:
            q |= Q(**{f"{prefix}estate_id__in": reach_of(g).estates})
        elif g.kind == OrgKind.COMPANY and company_field:
            q |= Q(**{f"{prefix}{company_field}": g.company_id})
    return q


def inspection_q(user, prefix: str = "") -> Q | None:
    if reads_everything(user):
        return None
    towns = [g.town_id for g in grants(user) if g.kind == OrgKind.TOWN_OFFICE]
    q = _estate_q(user, prefix)
    # drafts are their inspecting body's only
    return (q & ~Q(**{f"{prefix}status": InspectionStatus.DRAFT})) | Q(**{f"{prefix}estate__town_id__in": towns})


def complaint_q(user, prefix: str = "") -> Q | None:
    q = _estate_q(user, prefix)
    if q is None:
        return None
    return q | Q(**{f"{prefix}reporter_id": user.pk}) if user.is_authenticated else q


def company_file_q(user, prefix: str = "") -> Q | None:
    """Credit files, managers, pool entries: every non-company business user (not owners as
    such); a company its own."""
    if reads_everything(user):
        return None
    gs = [g for g in business_grants(user) if g.kind != OWNER]
    if any(g.kind != OrgKind.COMPANY for g in gs):
        return None
    return Q(**{f"{prefix}company_id__in": [g.company_id for g in gs]})


def reads_company_file(user, company_id: int) -> bool:
    """Whether ``user`` reads the credit file of ``company_id``: staff other than companies any,
    a company its own."""
    if reads_everything(user):
        return True
    gs = [g for g in business_grants(user) if g.kind != OWNER]
    if any(g.kind != OrgKind.COMPANY for g in gs):
        return True
    return any(g.company_id == company_id for g in gs)


def _filtered(qs, q):
    return qs if q is None else qs.filter(q)


def _bureau(user) -> bool:
    return any(g.kind == OrgKind.BUREAU for g in grants(user))


def _company_staff(user, company_id) -> bool:
    return any(g.kind == OrgKind.COMPANY and g.company_id == company_id and g.role != Role.TECHNICIAN
               for g in grants(user))


class StandardRule(Rule):
    """Standards and templates: read by business users, added by the bureau (a new version);
    a version already in use is never changed."""

    def visible(self, qs, user):
        return qs if any(g.kind != OWNER for g in business_grants(user)) else qs.none()

    def allows(self, user, action, record):
        return action == ADD and _bureau(user)


class InspectionRule(Rule):
    def visible(self, qs, user):
        return _filtered(qs, inspection_q(user))

    def allows(self, user, action, record):
        from .machine import INSPECTION, inspecting_body

        if action == ADD:
            if record is None:
                return _bureau(user) or any(g.kind == OrgKind.TOWN_OFFICE for g in grants(user))
            return inspecting_body(user, record.estate, record.kind)
        return record is not None and INSPECTION.permits(user, action, record)


class HangsFromInspection(Rule):
    def visible(self, qs, user):
        q = inspection_q(user)
        return qs if q is None else qs.filter(inspection__in=m.Inspection.objects.filter(q).values("pk"))


class PhotoRule(Rule):
    def visible(self, qs, user):
        iq, hq = inspection_q(user), handover_q(user)
        if iq is None and hq is None:
            return qs
        inspections = m.Inspection.objects.all() if iq is None else m.Inspection.objects.filter(iq)
        handovers = m.Handover.objects.all() if hq is None else m.Handover.objects.filter(hq)
        return qs.filter(Q(result__inspection__in=inspections.values("pk"))
                         | Q(defect__handover__in=handovers.values("pk")))


class BreachRule(Rule):
    def visible(self, qs, user):
        if reads_everything(user):
            return qs
        q = company_file_q(user)
        return qs.exclude(status=BreachStatus.ANNULLED) if q is None else qs.filter(q)

    def allows(self, user, action, record):
        from .machine import BREACH

        if action == ADD:
            return _bureau(user)
        return record is not None and BREACH.permits(user, action, record)


class CompanyFileRule(Rule):
    """Achievements, project managers and their assignments, pool entries, surveys: a company its
    own, every other business user all; the bureau adds (a company registers its own managers,
    assigns them, records its surveys and applies to the pool)."""

    company_adds = False

    def visible(self, qs, user):
        return _filtered(qs, company_file_q(user))

    def allows(self, user, action, record):
        if action != ADD:
            return False
        if _bureau(user):
            return True
        if not self.company_adds:
            return False
        if record is None:
            return any(g.kind == OrgKind.COMPANY and g.role == Role.COMPANY_MANAGER for g in grants(user))
        return any(g.kind == OrgKind.COMPANY and g.role == Role.COMPANY_MANAGER
                   and g.company_id == self.company_of(record) for g in grants(user))

    def company_of(self, record):
        return record.company_id


class CompanyAdds(CompanyFileRule):
    company_adds = True


class AssignmentRule(CompanyAdds):
    def visible(self, qs, user):
        return _filtered(qs, company_file_q(user, "manager__"))

    def company_of(self, record):
        return record.manager.company_id


class PoolRule(CompanyAdds):
    def allows(self, user, action, record):
        from .machine import POOL

        if action == ADD:  # a company applies for itself
            if record is None:
                return any(g.kind == OrgKind.COMPANY and g.role == Role.COMPANY_MANAGER for g in grants(user))
            return any(g.kind == OrgKind.COMPANY and g.role == Role.COMPANY_MANAGER and g.company_id == record.company_id
                       for g in grants(user))
        return record is not None and POOL.permits(user, action, record)


class SurveyRule(CompanyAdds):
    def visible(self, qs, user):
        return _filtered(qs, _estate_q(user, committees=False))


class ComplaintRule(Rule):
    def visible(self, qs, user):
        return _filtered(qs, complaint_q(user))

    def allows(self, user, action, record):
        from .machine import COMPLAINT

        if action == ADD:
            return may_file_complaint(user, record.estate if record is not None else None)
        return record is not None and COMPLAINT.permits(user, action, record)


FILES_COMPLAINTS = (OrgKind.BUREAU, OrgKind.TOWN_OFFICE, OrgKind.NEIGHBOURHOOD, OrgKind.OWNERS_COMMITTEE, OWNER)


def complaint_estates(user):
    """The estates ``user`` may file a complaint about: a resident the estates of their homes,
    an owners' committee its estate, a neighbourhood committee and a town office theirs, the
    bureau every estate. Companies and auditors file none (a company is the one complained
    about; auditors only read). The platform files 12345 orders as the system actor."""
    gs = grants(user)
    if any(g.kind == OrgKind.BUREAU for g in gs):
        return Estate.objects.all()
    q = Q(pk__in=[])
    for g in gs:
        if g.kind == OrgKind.TOWN_OFFICE:
            q |= Q(town_id=g.town_id)
        elif g.kind == OrgKind.NEIGHBOURHOOD:
            q |= Q(neighbourhood_id=g.neighbourhood_id)
        elif g.kind in (OWNER, OrgKind.OWNERS_COMMITTEE):
            q |= Q(pk__in=reach_of(g).estates)
    return Estate.objects.filter(q)


def may_file_complaint(user, estate) -> bool:
    """Whether ``user`` may file a complaint about ``estate`` (``None``: about some estate)."""
    if estate is None:
        return any(g.kind in FILES_COMPLAINTS for g in grants(user))
    return complaint_estates(user).filter(pk=estate.pk).exists()


class HangsFromComplaint(Rule):
    def visible(self, qs, user):
        q = complaint_q(user)
        return qs if q is None else qs.filter(complaint__in=m.Complaint.objects.filter(q).values("pk"))


def handover_q(user, prefix: str = "") -> Q | None:
    q = _estate_q(user, prefix, committees=False)
    if q is None:
        return None
    developers = [g.person_id for g in grants(user) if g.kind == OWNER]
    return q | Q(**{f"{prefix}developer_id__in": developers})


def handover_estates(user):
    """The estates ``user`` may open a handover inspection for: those they see, and — for the
    staff of a property company and for a developer — the new estates of the registry (those
    with a developer). The incoming company does not serve the estate yet (its contract starts
    at delivery), so the registry's scope alone would hide from it the very estate it is to
    take over; whether it may open the handover is then its capacity on the record
    (``HandoverRule``: the company named or the estate's developer)."""
    gs = grants(user)
    seen = Estate.objects.visible_to(user)
    if any(g.kind == OrgKind.COMPANY and g.role != Role.TECHNICIAN for g in gs):
        return (seen | Estate.objects.filter(developer__isnull=False)).distinct()
    developers = [g.person_id for g in gs if g.kind == OWNER]
    if developers:
        return (seen | Estate.objects.filter(developer_id__in=developers)).distinct()
    return seen


class HandoverRule(Rule):
    def visible(self, qs, user):
        return _filtered(qs, handover_q(user))

    def fields(self, user, record):
        return NOTHING

    def allows(self, user, action, record):
        from .machine import HANDOVER

        if action == ADD:
            if record is None:
                return any(g.kind == OrgKind.COMPANY and g.role != Role.TECHNICIAN for g in grants(user)) or \
                    any(g.kind == OWNER for g in grants(user))
            return bool(HANDOVER.capacities_of(user, record) & {"developer", "company"})
        return record is not None and HANDOVER.permits(user, action, record)


class HangsFromHandover(Rule):
    def visible(self, qs, user):
        q = handover_q(user)
        return qs if q is None else qs.filter(handover__in=m.Handover.objects.filter(q).values("pk"))


def register_all() -> None:
    register_scope(m.Standard, StandardRule())
    register_scope(m.Template, StandardRule())
    register_scope(m.Inspection, InspectionRule())
    for model in (m.InspectionResult, m.Finding, m.InspectionEvent):
        register_scope(model, HangsFromInspection())
    register_scope(m.Photo, PhotoRule())
    register_scope(m.Breach, BreachRule())
    register_scope(m.BreachEvent, _HangsFromBreach())
    register_scope(m.Achievement, CompanyFileRule())
    register_scope(m.ProjectManager, CompanyAdds())
    register_scope(m.Assignment, AssignmentRule())
    register_scope(m.PoolEntry, PoolRule())
    register_scope(m.Survey, SurveyRule())
    register_scope(m.Complaint, ComplaintRule())
    for model in (m.ComplaintEscalation, m.ComplaintEvent):
        register_scope(model, HangsFromComplaint())
    register_scope(m.Handover, HandoverRule())
    for model in (m.Defect, m.HandoverEvent):
        register_scope(model, HangsFromHandover())


class _HangsFromBreach(Rule):
    def visible(self, qs, user):
        return qs.filter(breach__in=m.Breach.objects.visible_to(user).values("pk"))


def reads_evaluation(user) -> bool:
    """The evaluation is read by business users other than residents as such (a committee
    choosing a company weighs it); not by IT administrators."""
    return any(g.kind != OWNER for g in business_grants(user))


def evaluation_companies(user) -> set[int] | None:
    """The companies whose lines of the evaluation ``user`` reads: a company its own (with its
    rank), every other reader all (None)."""
    gs = [g for g in business_grants(user) if g.kind != OWNER]
    if any(g.kind != OrgKind.COMPANY for g in gs):
        return None
    return {g.company_id for g in gs}
