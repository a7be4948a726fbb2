"""Supervision API (issue 17 contract): ``/api/v1/supervision/…`` — inspections, breaches,
complaints, surveys, project managers, evaluations, the pool — and, beside the registry's
records (``root_router``), ``/api/v1/companies/{id}/credit``, ``/api/v1/managers/{id}/credit``
and ``/api/v1/handovers``.

Thin: reads through ``visible_to`` / ``selectors``, writes through ``services``. A record the
caller cannot see answers 404 in the path; named in a body (an estate, a company…) it is bad
input, 422 "No such record" on that field, as in the registry (``core.api.body_ref``); a step not
theirs 403, not possible now 409; bad input 422 — each with a Chinese ``detail``, changing nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from fangguan.core.api import Id, InSchema, body_ref, get_or_404, paginate
from fangguan.core.api import ref as _ref
from fangguan.registry.models import Company, Estate

from . import selectors, services
from .choices import BreachStatus, ComplaintStatus, InspectionStatus, Severity, TemplateKind
from .machine import BREACH, COMPLAINT, HANDOVER, INSPECTION, POOL
from .models import Breach, Complaint, Handover, Inspection, PoolEntry, ProjectManager, Survey
from .selectors import _start

router = Router(tags=["supervision"])
root_router = Router(tags=["supervision"])


class SupervisionPeriod(Schema):
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


class SupervisionPage(Schema):
    count: int
    items: list[dict[str, Any]]


def _date(value: dt.date | None):
    return value.isoformat() if value else None


def _images(values: list[str] | None, field: str) -> list[ContentFile]:
    files = []
    for n, value in enumerate(values or []):
        if value.startswith("data:") and "," in value:
            value = value.split(",", 1)[1]
        try:
            files.append(ContentFile(base64.b64decode(value, validate=True), name=f"photo-{n + 1}"))
        except (binascii.Error, ValueError):
            raise ValidationError({field: [_("A photo is not valid base64.")]}) from None
    return files


# --- Inspections ----------------------------------------------------------------------------


class SupervisionInspectionIn(InSchema):
    estate: Id
    kind: Literal["town_monthly", "district_spot"] = "town_monthly"
    inspected_on: dt.date
    summary: str = Field("", max_length=2000)


class SupervisionFindingIn(InSchema):
    code: str | None = Field(None, max_length=30)
    description: str = Field(min_length=1, max_length=1000)
    due_on: dt.date | None = None


class SupervisionInspectionActionIn(InSchema):
    action: Literal[tuple(INSPECTION.public_actions)]  # type: ignore[valid-type]
    results: dict[str, dict[str, str]] | None = Field(None, description="check: {code: {result, note}}")
    findings: list[SupervisionFindingIn] | None = Field(None, max_length=200)
    summary: str | None = Field(None, max_length=2000)
    finding: Id | None = None
    answer: str = Field("", max_length=1000)
    note: str = Field("", max_length=1000)
    reason: str = Field("", max_length=500)


class SupervisionPhotosIn(InSchema):
    code: str = Field(min_length=1, max_length=30)
    photos: list[str] = Field(min_length=1, max_length=9, description="base64 JPEG / PNG")


def inspection_out(user, i: Inspection, *, full: bool = False) -> dict:
    body = {"id": i.pk, "estate": _ref(i.estate), "company": _ref(i.company), "kind": i.kind,
            "kind_label": i.get_kind_display(), "status": i.status, "status_label": i.get_status_display(),
            "inspected_on": _date(i.inspected_on), "template": {"id": i.template_id, "version": i.template.version},
            "passed": i.passed, "failed": i.failed, "summary": i.summary, "actions": INSPECTION.allowed(user, i)}
    if full:
        body["results"] = [{"code": r.code, "group": r.group, "text": r.text, "result": r.result, "note": r.note,
                            "photos": [p.pk for p in r.photos.all()]} for r in i.results.all()]
        body["findings"] = [{"id": f.pk, "code": f.result.code if f.result else None, "description": f.description,
                             "due_on": _date(f.due_on), "status": f.status, "answer": f.answer,
                             "answered_at": f.answered_at} for f in i.findings.select_related("result")]
    return body


def _inspections(user):
    return Inspection.objects.visible_to(user).select_related("estate", "company", "template")


def _period_filter(qs, field: str, date_from, date_to, *, datetime: bool = False):
    if date_from:
        qs = qs.filter(**{f"{field}__gte": _start(date_from) if datetime else date_from})
    if date_to:
        qs = qs.filter(**({f"{field}__lt": _start(date_to + dt.timedelta(days=1))} if datetime
                          else {f"{field}__lte": date_to}))
    return qs


@router.get("/inspections", response=SupervisionPage, operation_id="supervision_inspections",
            summary="Inspections you may see")
def inspections(request, company: Id | None = None, estate: Id | None = None, town: Id | None = None,
                status: Literal[tuple(InspectionStatus.values)] | None = None,  # type: ignore[valid-type]
                kind: Literal["town_monthly", "district_spot"] | None = None,
                period: Query[SupervisionPeriod] = None, limit: int | None = None, offset: int | None = None):
    date_from, date_to = period.from_, period.to
    qs = _inspections(request.user)
    for name, value in (("company_id", company), ("estate_id", estate), ("estate__town_id", town),
                        ("status", status), ("kind", kind)):
        if value is not None:
            qs = qs.filter(**{name: value})
    count, items = paginate(_period_filter(qs, "inspected_on", date_from, date_to), limit, offset)
    return {"count": count, "items": [inspection_out(request.user, i) for i in items]}


@router.post("/inspections", response={201: dict[str, Any]}, operation_id="supervision_inspection_create",
             summary="Start an inspection (a draft on the checklist in force)")
def inspection_create(request, payload: SupervisionInspectionIn):
    estate = body_ref(Estate.objects.visible_to(request.user), payload.estate, "estate")
    i = services.inspection_create(actor=request.user, estate=estate, kind=payload.kind,
                                   inspected_on=payload.inspected_on, summary=payload.summary)
    return 201, inspection_out(request.user, i, full=True)


@router.get("/inspections/{int:inspection_id}", response=dict[str, Any], operation_id="supervision_inspection",
            summary="One inspection with its checklist and findings")
def inspection(request, inspection_id: int):
    return inspection_out(request.user, get_or_404(_inspections(request.user), inspection_id), full=True)


@router.post("/inspections/{int:inspection_id}/actions", response=dict[str, Any],
             operation_id="supervision_inspection_act",
             summary="Save the checklist, submit, answer / accept / return a finding, close, cancel")
def inspection_act(request, inspection_id: int, payload: SupervisionInspectionActionIn):
    i = get_or_404(_inspections(request.user), inspection_id)
    params = payload.dict(exclude={"action"}, exclude_none=True)
    if payload.findings is not None:
        params["findings"] = [f.dict() for f in payload.findings]
    i = services.inspection_act(request.user, i, payload.action, **params)
    return inspection_out(request.user, i, full=True)


@router.post("/inspections/{int:inspection_id}/photos", response={201: dict[str, Any]},
             operation_id="supervision_inspection_photos", summary="Photos of one checklist item (a draft)")
def inspection_photos(request, inspection_id: int, payload: SupervisionPhotosIn):
    i = get_or_404(_inspections(request.user), inspection_id)
    photos = services.inspection_photos(actor=request.user, inspection=i, code=payload.code,
                                        files=_images(payload.photos, "photos"))
    return 201, {"photos": [p.pk for p in photos]}


# --- Breaches and credit files --------------------------------------------------------------


class SupervisionBreachIn(InSchema):
    company: Id
    severity: Literal[tuple(Severity.values)]  # type: ignore[valid-type]
    rule: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=1000)
    occurred_on: dt.date
    manager: Id | None = None
    inspection: Id | None = None
    code: str | None = Field(None, max_length=30, description="the failed checklist item of the inspection")
    complaint: Id | None = None


class SupervisionBreachActionIn(InSchema):
    action: Literal[tuple(BREACH.public_actions)]  # type: ignore[valid-type]
    reason: str = Field("", max_length=1000)
    note: str = Field("", max_length=1000)


def breach_out(user, b: Breach) -> dict:
    from .services import correctable_from

    return {"id": b.pk, "company": _ref(b.company), "manager": _ref(b.manager), "estate": _ref(b.estate),
            "severity": b.severity, "severity_label": b.get_severity_display(), "points": b.points, "rule": b.rule,
            "description": b.description, "occurred_on": _date(b.occurred_on), "status": b.status,
            "status_label": b.get_status_display(), "published_until": _date(b.published_until),
            "corrected_on": _date(b.corrected_on), "correctable_from": _date(correctable_from(b)),
            "disputed_at": b.disputed_at, "recheck_due_at": b.recheck_due_at,
            "recheck_overdue": b.status == BreachStatus.DISPUTED and b.recheck_due_at is not None
            and b.recheck_due_at < timezone.now(),
            "recheck_reminded_at": b.recheck_reminded_at, "recheck_overdue_at": b.recheck_overdue_at,
            "inspection": b.inspection_id, "complaint": b.complaint_id, "actions": BREACH.allowed(user, b)}


def _breaches(user):
    return Breach.objects.visible_to(user).select_related("company", "manager", "estate", "standard")


@router.get("/breaches", response=SupervisionPage, operation_id="supervision_breaches", summary="Breaches")
def breaches(request, company: Id | None = None, manager: Id | None = None,
             status: Literal[tuple(BreachStatus.values)] | None = None,  # type: ignore[valid-type]
             overdue: bool | None = None, limit: int | None = None, offset: int | None = None):
    """The breaches one sees. ``overdue=true``: the disputes whose re-check is past its 15 working
    days, the longest overdue first (the bureau's list of what to re-check now)."""
    qs = selectors.breaches_for(request.user, company=company, manager=manager, status=status, overdue=overdue)
    count, items = paginate(qs, limit, offset)
    return {"count": count, "items": [breach_out(request.user, b) for b in items]}


@router.post("/breaches", response={201: dict[str, Any]}, operation_id="supervision_breach_create",
             summary="Record a breach on a credit file (the bureau)")
def breach_create(request, payload: SupervisionBreachIn):
    user = request.user
    company = body_ref(Company.objects.visible_to(user), payload.company, "company")
    manager = body_ref(ProjectManager.objects.visible_to(user), payload.manager, "manager")
    result = None
    if payload.inspection:
        insp = body_ref(Inspection.objects.visible_to(user), payload.inspection, "inspection")
        result = insp.results.filter(code=payload.code or "").first()
        if result is None:
            raise ValidationError({"code": [_("Name the failed item of the inspection.")]})
    complaint = body_ref(Complaint.objects.visible_to(user), payload.complaint, "complaint")
    b = services.breach_record(actor=user, company=company, severity=payload.severity, rule=payload.rule,
                               description=payload.description, occurred_on=payload.occurred_on, manager=manager,
                               result=result, complaint=complaint)
    return 201, breach_out(user, b)


@router.post("/breaches/{int:breach_id}/actions", response=dict[str, Any], operation_id="supervision_breach_act",
             summary="Dispute, uphold, annul or correct a breach")
def breach_act(request, breach_id: int, payload: SupervisionBreachActionIn):
    b = services.breach_act(request.user, get_or_404(_breaches(request.user), breach_id), payload.action,
                            reason=payload.reason, note=payload.note)
    return breach_out(request.user, b)


def credit_out(user, data: dict) -> dict:
    return {"as_of": _date(data["as_of"]), "points": data["points"],
            "breaches": [breach_out(user, b) for b in data["breaches"]],
            "published": [b.pk for b in data["published"]],
            "achievements": [{"id": a.pk, "kind": a.kind, "title": a.title, "on": _date(a.on)}
                             for a in data["achievements"]]}


@root_router.get("/companies/{int:company_id}/credit", response=dict[str, Any], operation_id="company_credit",
                 summary="A company's credit file as of a day")
def company_credit(request, company_id: int, as_of: dt.date | None = None):
    company = get_or_404(Company.objects.visible_to(request.user), company_id)
    if not _may_read_file(request.user, company.pk):  # a company reads its own file only
        raise Http404
    return credit_out(request.user, selectors.credit_file(request.user, company=company, as_of=as_of))


def _may_read_file(user, company_id: int) -> bool:
    from .scopes import reads_company_file

    return reads_company_file(user, company_id)


@root_router.get("/managers/{int:manager_id}/credit", response=dict[str, Any], operation_id="manager_credit",
                 summary="A project manager's credit file as of a day")
def manager_credit(request, manager_id: int, as_of: dt.date | None = None):
    manager = get_or_404(ProjectManager.objects.visible_to(request.user), manager_id)
    return credit_out(request.user, selectors.credit_file(request.user, manager=manager, as_of=as_of))


# --- Project managers -----------------------------------------------------------------------


class SupervisionManagerIn(InSchema):
    company: Id
    name: str = Field(min_length=1, max_length=50)
    certificate_no: str = Field(min_length=1, max_length=40)


class SupervisionAssignmentIn(InSchema):
    estate: Id
    start_on: dt.date
    end_on: dt.date | None = None


def manager_out(m: ProjectManager) -> dict:
    today = timezone.localdate()
    return {"id": m.pk, "name": m.name, "certificate_no": m.certificate_no, "company": _ref(m.company),
            "projects_now": m.assignments.as_of(today).count()}


@router.get("/managers", response=SupervisionPage, operation_id="supervision_managers", summary="Project managers")
def managers(request, company: Id | None = None, limit: int | None = None, offset: int | None = None):
    qs = ProjectManager.objects.visible_to(request.user).select_related("company")
    if company:
        qs = qs.filter(company_id=company)
    count, items = paginate(qs, limit, offset)
    return {"count": count, "items": [manager_out(m) for m in items]}


@router.post("/managers", response={201: dict[str, Any]}, operation_id="supervision_manager_create",
             summary="Register a project manager")
def manager_create(request, payload: SupervisionManagerIn):
    company = body_ref(Company.objects.visible_to(request.user), payload.company, "company")
    m = services.manager_create(actor=request.user, company=company, name=payload.name,
                                certificate_no=payload.certificate_no)
    return 201, manager_out(m)


@router.post("/managers/{int:manager_id}/assignments", response={201: dict[str, Any]},
             operation_id="supervision_manager_assign", summary="Assign a project manager to an estate")
def manager_assign(request, manager_id: int, payload: SupervisionAssignmentIn):
    m = get_or_404(ProjectManager.objects.visible_to(request.user), manager_id)
    estate = body_ref(Estate.objects.visible_to(request.user), payload.estate, "estate")
    a = services.assign_manager(actor=request.user, manager=m, estate=estate, start_on=payload.start_on,
                                end_on=payload.end_on)
    return 201, {"id": a.pk, "manager": m.pk, "estate": estate.pk, "start_on": _date(a.start_on),
                 "end_on": _date(a.end_on)}


# --- Complaints -----------------------------------------------------------------------------


class SupervisionComplaintIn(InSchema):
    estate: Id
    description: str = Field(min_length=1, max_length=2000)
    company: Id | None = None
    manager: Id | None = None


class SupervisionComplaintActionIn(InSchema):
    action: Literal[tuple(COMPLAINT.public_actions)]  # type: ignore[valid-type]
    reply: str = Field("", max_length=2000)
    decision: str = Field("", max_length=1000)
    note: str = Field("", max_length=500)
    reason: str = Field("", max_length=500)


def complaint_out(user, c: Complaint) -> dict:
    return {"id": c.pk, "estate": _ref(c.estate), "company": _ref(c.company), "manager": _ref(c.manager),
            "channel": c.channel, "status": c.status, "status_label": c.get_status_display(),
            "description": c.description, "filed_at": c.filed_at, "response_due_at": c.response_due_at,
            "complete_due_at": c.complete_due_at, "responded_at": c.responded_at, "replied_at": c.replied_at,
            "reply": c.reply, "decision": c.decision, "decided_at": c.decided_at,
            "escalations": [{"level": e.level, "deadline": e.deadline, "state": e.state, "sent_at": e.sent_at}
                            for e in c.escalations.all()],
            "actions": COMPLAINT.allowed(user, c)}


def _complaints(user):
    return Complaint.objects.visible_to(user).select_related("estate", "company", "manager").prefetch_related(
        "escalations")


@router.get("/complaints", response=SupervisionPage, operation_id="supervision_complaints", summary="Complaints")
def complaints(request, company: Id | None = None, estate: Id | None = None, town: Id | None = None,
               status: Literal[tuple(ComplaintStatus.values)] | None = None,  # type: ignore[valid-type]
               period: Query[SupervisionPeriod] = None, limit: int | None = None, offset: int | None = None):
    date_from, date_to = period.from_, period.to
    qs = _complaints(request.user)
    for name, value in (("company_id", company), ("estate_id", estate), ("estate__town_id", town),
                        ("status", status)):
        if value is not None:
            qs = qs.filter(**{name: value})
    count, items = paginate(_period_filter(qs, "filed_at", date_from, date_to, datetime=True), limit, offset)
    return {"count": count, "items": [complaint_out(request.user, c) for c in items]}


@router.post("/complaints", response={201: dict[str, Any]}, operation_id="supervision_complaint_create",
             summary="File a complaint against a property company")
def complaint_create(request, payload: SupervisionComplaintIn):
    from .scopes import may_file_complaint

    user = request.user
    estate = body_ref(Estate.objects.visible_to(user), payload.estate, "estate")
    company = body_ref(Company.objects.visible_to(user), payload.company, "company")
    manager = body_ref(ProjectManager.objects.visible_to(user), payload.manager, "manager")
    if not may_file_complaint(user, estate):
        raise PermissionDenied(_("You may not file a complaint about this estate."))
    c = services.complaint_create(actor=user, estate=estate, description=payload.description, company=company,
                                  manager=manager, channel=services.complaint_channel(user))
    return 201, complaint_out(user, c)


@router.get("/complaints/{int:complaint_id}", response=dict[str, Any], operation_id="supervision_complaint",
            summary="One complaint")
def complaint(request, complaint_id: int):
    return complaint_out(request.user, get_or_404(_complaints(request.user), complaint_id))


@router.post("/complaints/{int:complaint_id}/actions", response=dict[str, Any],
             operation_id="supervision_complaint_act",
             summary="Take on, reply, uphold, dismiss, withdraw, escalate, acknowledge")
def complaint_act(request, complaint_id: int, payload: SupervisionComplaintActionIn):
    c = get_or_404(_complaints(request.user), complaint_id)
    c = services.complaint_act(request.user, c, payload.action, **payload.dict(exclude={"action"}))
    return complaint_out(request.user, c)


# --- Surveys and the evaluation -------------------------------------------------------------


class SupervisionSurveyIn(InSchema):
    estate: Id
    company: Id
    year: int = Field(ge=2000, le=2100)
    households: int = Field(ge=1, le=100000)
    responded: int = Field(ge=0, le=100000)
    satisfied: int = Field(ge=0, le=100000)


@router.get("/surveys", response=SupervisionPage, operation_id="supervision_surveys", summary="Satisfaction surveys")
def surveys(request, company: Id | None = None, year: int | None = None, period: Query[SupervisionPeriod] = None,
            limit: int | None = None, offset: int | None = None):
    date_from, date_to = period.from_, period.to
    qs = Survey.objects.visible_to(request.user).select_related("estate", "company")
    if company:
        qs = qs.filter(company_id=company)
    if year:
        qs = qs.filter(year=year)
    if date_from:
        qs = qs.filter(year__gte=date_from.year)
    if date_to:
        qs = qs.filter(year__lte=date_to.year)
    count, items = paginate(qs, limit, offset)
    return {"count": count, "items": [{"id": s.pk, "estate": _ref(s.estate), "company": _ref(s.company),
                                       "year": s.year, "households": s.households, "responded": s.responded,
                                       "satisfied": s.satisfied} for s in items]}


@router.post("/surveys", response={201: dict[str, Any]}, operation_id="supervision_survey_create",
             summary="Record a residents' satisfaction survey")
def survey_create(request, payload: SupervisionSurveyIn):
    from fangguan.core.services import record_create

    estate = body_ref(Estate.objects.visible_to(request.user), payload.estate, "estate")
    company = body_ref(Company.objects.visible_to(request.user), payload.company, "company")
    s = record_create(actor=request.user, instance=Survey(estate=estate, company=company, year=payload.year,
                                                          households=payload.households,
                                                          responded=payload.responded, satisfied=payload.satisfied))
    return 201, {"id": s.pk}


@router.get("/evaluations", response=SupervisionPage, operation_id="supervision_evaluations",
            summary="The evaluation of companies for a year (or a period), by district or town")
def evaluations(request, year: int | None = None, town: Id | None = None, period: Query[SupervisionPeriod] = None):
    date_from, date_to = period.from_, period.to
    if year is not None and not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Give a year between 2000 and 2100.")]})
    from .scopes import reads_evaluation

    if not reads_evaluation(request.user):
        raise PermissionDenied(_("You may not read the evaluation."))
    if year is None and not (date_from and date_to):
        year = timezone.localdate().year - 1
    if year is None and date_to < date_from:
        raise ValidationError({"to": [_("The end date is before the start date.")]})
    data = selectors.evaluation_for(request.user, year=year, date_from=date_from, date_to=date_to, town=town)
    return {"count": data["count"], "items": data["items"]}


# --- The pool -------------------------------------------------------------------------------


class SupervisionPoolApplicationIn(InSchema):
    company: Id


class SupervisionPoolActionIn(InSchema):
    action: Literal[tuple(POOL.public_actions)]  # type: ignore[valid-type]
    reason: str = Field("", max_length=500)
    note: str = Field("", max_length=500)


def pool_out(user, e: PoolEntry, summary: dict | None = None) -> dict:
    return {"id": e.pk, "company": _ref(e.company), "status": e.status, "status_label": e.get_status_display(),
            "applied_on": _date(e.applied_on), "admitted_on": _date(e.admitted_on), "term_until": _date(e.term_until),
            "ended_on": _date(e.ended_on), "reason": e.reason, "grade": e.grade, "actions": POOL.allowed(user, e),
            **({"credit": summary} if summary is not None else {})}


@router.get("/pool", response=SupervisionPage, operation_id="supervision_pool",
            summary="The district pre-selection pool: members with term, reason and credit summary")
def pool(request, status: Literal["applied", "admitted", "refused", "removed", "expired"] | None = "admitted"):
    qs = PoolEntry.objects.visible_to(request.user).select_related("company")
    if status:
        qs = qs.filter(status=status)
    entries = list(qs.order_by("company__name"))
    points = selectors.credit_points([e.company_id for e in entries], timezone.localdate())
    return {"count": len(entries), "items": [pool_out(request.user, e, {"points": points.get(e.company_id, 0)})
                                             for e in entries]}


@router.post("/pool/applications", response={201: dict[str, Any]}, operation_id="supervision_pool_apply",
             summary="A company applies to the pool")
def pool_apply(request, payload: SupervisionPoolApplicationIn):
    company = body_ref(Company.objects.visible_to(request.user), payload.company, "company")
    e = services.pool_apply(actor=request.user, company=company)
    return 201, pool_out(request.user, e)


@router.post("/pool/{int:entry_id}/actions", response=dict[str, Any], operation_id="supervision_pool_act",
             summary="Admit, refuse or remove (the bureau)")
def pool_act(request, entry_id: int, payload: SupervisionPoolActionIn):
    e = get_or_404(PoolEntry.objects.visible_to(request.user).select_related("company"), entry_id)
    e = services.pool_act(request.user, e, payload.action, reason=payload.reason, note=payload.note)
    return pool_out(request.user, e)


# --- Handover inspections -------------------------------------------------------------------


class SupervisionHandoverIn(InSchema):
    estate: Id
    company: Id
    inspected_on: dt.date
    delivery_on: dt.date


class SupervisionDefectIn(InSchema):
    code: str = Field("", max_length=30)
    description: str = Field(min_length=1, max_length=1000)
    found_on: dt.date | None = None
    photos: list[str] | None = Field(None, max_length=9)


class SupervisionHandoverActionIn(InSchema):
    action: Literal[tuple(a for a in HANDOVER.public_actions if a != "add_defect")]  # type: ignore[valid-type]
    results: dict[str, Literal["pass", "fail", "na"]] | None = None
    received: list[str] | None = Field(None, max_length=20)
    defect: Id | None = None
    fixed_on: dt.date | None = None
    developer_signatory: str = Field("", max_length=50)
    company_signatory: str = Field("", max_length=50)
    note: str = Field("", max_length=500)


def handover_out(user, h: Handover) -> dict:
    from .services import filing_deadline

    return {"id": h.pk, "estate": _ref(h.estate), "company": _ref(h.company), "developer": _ref(h.developer),
            "status": h.status, "status_label": h.get_status_display(), "inspected_on": _date(h.inspected_on),
            "delivery_on": _date(h.delivery_on), "file_by": _date(filing_deadline(h)), "filed_at": h.filed_at,
            "filed_late": h.filed_late, "template": {"id": h.template_id, "version": h.template.version},
            "items": [{**i, "result": h.results.get(i["code"])} for i in h.template.items],
            "documents": h.documents, "signed_by": [h.signed_by_developer, h.signed_by_company],
            "defects": [{"id": d.pk, "code": d.code, "group": d.group, "description": d.description,
                         "found_on": _date(d.found_on), "due_on": _date(d.due_on), "status": d.status,
                         "fixed_on": _date(d.fixed_on), "escalated_at": d.escalated_at} for d in h.defects.all()],
            "actions": HANDOVER.allowed(user, h)}


def _handovers(user):
    return Handover.objects.visible_to(user).select_related("estate", "company", "developer", "template", "standard")


@root_router.get("/handovers", response=SupervisionPage, operation_id="handovers", summary="Handover inspections")
def handovers(request, estate: Id | None = None, limit: int | None = None, offset: int | None = None):
    qs = _handovers(request.user).prefetch_related("defects")
    if estate:
        qs = qs.filter(estate_id=estate)
    count, items = paginate(qs, limit, offset)
    return {"count": count, "items": [handover_out(request.user, h) for h in items]}


@root_router.post("/handovers", response={201: dict[str, Any]}, operation_id="handover_create",
                  summary="Open a handover inspection of a new estate")
def handover_create(request, payload: SupervisionHandoverIn):
    from .scopes import handover_estates

    estate = body_ref(handover_estates(request.user), payload.estate, "estate")
    company = body_ref(Company.objects.visible_to(request.user), payload.company, "company")
    h = services.handover_create(actor=request.user, estate=estate, company=company,
                                 inspected_on=payload.inspected_on, delivery_on=payload.delivery_on)
    return 201, handover_out(request.user, h)


@root_router.get("/handovers/{int:handover_id}", response=dict[str, Any], operation_id="handover",
                 summary="One handover inspection")
def handover(request, handover_id: int):
    return handover_out(request.user, get_or_404(_handovers(request.user), handover_id))


@root_router.post("/handovers/{int:handover_id}/defects", response={201: dict[str, Any]},
                  operation_id="handover_defect", summary="Record a defect (with photos)")
def handover_defect(request, handover_id: int, payload: SupervisionDefectIn):
    h = get_or_404(_handovers(request.user), handover_id)
    h = services.handover_act(request.user, h, "add_defect", code=payload.code, description=payload.description,
                              found_on=payload.found_on, photos=_images(payload.photos, "photos") or None)
    return 201, handover_out(request.user, h)


@root_router.post("/handovers/{int:handover_id}/actions", response=dict[str, Any], operation_id="handover_act",
                  summary="Record results and documents, fix a defect, sign, file")
def handover_act(request, handover_id: int, payload: SupervisionHandoverActionIn):
    h = get_or_404(_handovers(request.user), handover_id)
    h = services.handover_act(request.user, h, payload.action, **payload.dict(exclude={"action"}, exclude_none=True))
    return handover_out(request.user, h)


__all__ = ["router", "root_router", "TemplateKind"]
