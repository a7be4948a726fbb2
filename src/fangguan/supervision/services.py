"""Every write of the supervision module. Workflow steps go through the tables in
``machine.py`` (``Machine.perform``: the row locked, 403 before 409, nothing written on a
refusal); plain records through ``core.services``. Numbers come from the standard in force
(``Standard``), never from code.

Complaints run on the repairs clock: their deadlines are ``repairs.deadlines`` (working days on
the official calendar; the 12345 complaint limit), their escalation the same ladder
(``repairs.deadlines.ladder`` walked by ``core.clock.sweep``) and the same guards and levels
(``repairs.machine``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fangguan.core import clock
from fangguan.core.actors import system_actor
from fangguan.core.audit import log_change, log_update, snapshot
from fangguan.core.context import audit_context, current
from fangguan.core.machine import ActionConflict, ActionForbidden
from fangguan.core.models import ChangeAction
from fangguan.core.scopes import ADD, require
from fangguan.core.services import record_create
from fangguan.registry.models import Company, Estate
from fangguan.registry.scopes import serving_company_ids
from fangguan.repairs import deadlines
from fangguan.repairs.choices import Deadline, HandOff, Level
from fangguan.repairs.machine import escalation_level, waiting_levels
from fangguan.repairs.services import check_image

from . import events
from .choices import (
    COMPLAINT_WORKING,
    BreachStatus,
    ComplaintChannel,
    DefectStatus,
    EventKind,
    FindingStatus,
    InspectionStatus,
    Result,
    Severity,
    TemplateKind,
)
from .machine import BREACH, COMPLAINT, HANDOVER, INSPECTION, POOL
from .models import (
    Assignment,
    Breach,
    Complaint,
    ComplaintEscalation,
    Defect,
    Finding,
    Handover,
    Inspection,
    InspectionResult,
    Photo,
    PoolEntry,
    ProjectManager,
    Standard,
    Template,
)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day where it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _add(actor, instance: models.Model) -> models.Model:
    instance.full_clean()
    instance.save()
    log_change(actor=actor, action=ChangeAction.CREATE, instance=instance, after=snapshot(instance))
    return instance


def _change(actor, instance: models.Model, **changes) -> models.Model:
    before = snapshot(instance)
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    log_update(actor=actor, instance=instance, before=before)
    return instance


def _text(params, name: str, *, required: bool, limit: int = 1000) -> str:
    value = params.get(name) or ""
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise ValidationError({name: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({name: [_("At most %(n)s characters.") % {"n": limit}]})
    return value


def _day(value, field: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    day = parse_date(value) if isinstance(value, str) else None
    if day is None:
        raise ValidationError({field: [_("Give a date (YYYY-MM-DD).")]})
    return day


def _perform(machine, writer, actor, record, action: str, handlers: dict, now, params: dict):
    handler = handlers.get(action)
    if handler is None:
        raise ValidationError({"action": [_("Unknown action.")]})

    def apply(locked, caps, at):
        return handler(actor, locked, caps, at, params)

    def write_event(locked, transition, before, note, data, at):
        writer(locked, transition.event, actor, at, note=note, data=data)

    return machine.perform(actor, record, action, apply=apply, write_event=write_event, now=now)


# --- Standards and templates ----------------------------------------------------------------


def standard_in_force(day: dt.date) -> Standard:
    return Standard.objects.in_force(day)


def template_new_version(*, actor, kind: str, title: str, items: list, effective_from: dt.date) -> Template:
    """The bureau edits a checklist by adding its next version; inspections keep theirs."""
    with transaction.atomic():
        last = Template.objects.select_for_update().filter(kind=kind).order_by("-version").first()
        template = Template(kind=kind, version=(last.version + 1) if last else 1, title=title, items=items,
                            effective_from=effective_from)
        return record_create(actor=actor, instance=template)


def standard_add(*, actor, effective_from: dt.date, **values) -> Standard:
    """A new version of the standard, from the one in force with ``values`` changed."""
    base = Standard.objects.in_force(effective_from)
    fields = {f.name: getattr(base, f.name) for f in Standard._meta.concrete_fields
              if f.name not in ("id", "created_at", "updated_at", "effective_from")} if base else {}
    fields.update(values)
    return record_create(actor=actor, instance=Standard(effective_from=effective_from, **fields))


# --- Inspections ----------------------------------------------------------------------------


def serving_company(estate: Estate, day: dt.date) -> Company | None:
    return Company.objects.filter(pk__in=serving_company_ids(estate.pk, day)).order_by("pk").first()


def inspection_create(*, actor, estate: Estate, kind: str, inspected_on: dt.date, summary: str = "",
                      now: dt.datetime | None = None) -> Inspection:
    """A draft inspection on the checklist in force that day: its items copied in, the company
    serving the estate that day named."""
    if kind not in (TemplateKind.TOWN_MONTHLY, TemplateKind.DISTRICT_SPOT):
        raise ValidationError({"kind": [_("Choose a monthly inspection or a spot check.")]})
    template = Template.objects.in_force(kind, inspected_on)
    if template is None:
        raise ValidationError({"kind": [_("No checklist is in force for this kind on that day.")]})
    inspection = Inspection(estate=estate, company=serving_company(estate, inspected_on), template=template,
                            kind=kind, inspected_on=inspected_on, inspector=actor, summary=summary)

    def items(saved):
        InspectionResult.objects.bulk_create([
            InspectionResult(inspection=saved, code=i["code"], group=i["group"], text=i["text"])
            for i in template.items])

    with transaction.atomic():
        inspection = record_create(actor=actor, instance=inspection, after_save=items)
        events.inspection(inspection, EventKind.CREATED, actor, now or timezone.now(),
                          data={"template": template.pk, "version": template.version})
    return inspection


def inspection_act(actor, inspection: Inspection, action: str, *, now=None, **params) -> Inspection:
    return _perform(INSPECTION, events.inspection, actor, inspection, action, INSPECTION_HANDLERS, now, params)


def _check(actor, insp, caps, now, p):
    """Save the checklist: ``results`` {code: {"result", "note"}}, ``findings`` [{"code",
    "description", "due_on"}] (due by default after the standard's days)."""
    results = p.get("results") or {}
    if not isinstance(results, dict):
        raise ValidationError({"results": [_("Give a result per item code.")]})
    mine = {r.code: r for r in insp.results.all()}
    changed = 0
    for code, value in results.items():
        row = mine.get(code)
        value = value if isinstance(value, dict) else {"result": value}
        if row is None:
            raise ValidationError({"results": [_("No item “%(code)s” in this checklist.") % {"code": code}]})
        result = value.get("result") or ""
        if result not in Result.values and result != "":
            raise ValidationError({"results": [_("Answer pass, fail or not applicable.")]})
        note = _text(value, "note", required=False, limit=500)
        if (row.result, row.note) != (result, note):
            _change(actor, row, result=result, note=note)
            changed += 1
    added = []
    standard = standard_in_force(insp.inspected_on)
    for f in p.get("findings") or []:
        if not isinstance(f, dict):
            raise ValidationError({"findings": [_("Describe each finding.")]})
        row = mine.get(f.get("code")) if f.get("code") else None
        if f.get("code") and row is None:
            raise ValidationError({"findings": [_("No item “%(code)s” in this checklist.") % {"code": f["code"]}]})
        due = _day(f["due_on"], "due_on") if f.get("due_on") else insp.inspected_on + dt.timedelta(
            days=standard.finding_days)
        if due <= insp.inspected_on:
            raise ValidationError({"due_on": [_("A finding is due after the inspection day.")]})
        added.append(_add(actor, Finding(inspection=insp, result=row, description=_text(f, "description",
                                                                                     required=True), due_on=due)).pk)
    if "summary" in p:
        insp.summary = _text(p, "summary", required=False, limit=2000)
    return "", {"checked": changed, "findings": added}


def _submit(actor, insp, caps, now, p):
    counts = {r: 0 for r in ("", *Result.values)}
    for value in insp.results.values_list("result", flat=True):
        counts[value] += 1
    if counts[""]:
        raise ValidationError({"results": [_("%(n)s items are not answered yet.") % {"n": counts[""]}]})
    failed_without = insp.results.filter(result=Result.FAIL, findings__isnull=True).count()
    if failed_without:
        raise ValidationError({"findings": [_("Give a finding for each failed item (%(n)s without).") % {
            "n": failed_without}]})
    insp.passed, insp.failed, insp.submitted_at = counts[Result.PASS], counts[Result.FAIL], now
    return "", {"passed": insp.passed, "failed": insp.failed}


def _finding(insp, p, status: str) -> Finding:
    pending = insp.findings.filter(status=status)
    if p.get("finding") is not None:
        fid = p["finding"]
        pending = pending.filter(pk=fid) if isinstance(fid, int) and not isinstance(fid, bool) else pending.none()
    found = pending.order_by("pk").first()
    if found is None:
        raise ActionConflict(_("There is no such finding waiting."))
    return found


def _answer(actor, insp, caps, now, p):
    answer = _text(p, "answer", required=True)
    f = _finding(insp, p, FindingStatus.OPEN)
    _change(actor, f, answer=answer, answered_at=now, answered_by=actor, status=FindingStatus.ANSWERED)
    return answer, {"finding": f.pk, "late": timezone.localdate(now) > f.due_on}


def _accept(actor, insp, caps, now, p):
    f = _finding(insp, p, FindingStatus.ANSWERED)
    _change(actor, f, status=FindingStatus.ACCEPTED, accepted_at=now)
    return _text(p, "note", required=False), {"finding": f.pk}


def _return(actor, insp, caps, now, p):
    note = _text(p, "note", required=True)
    f = _finding(insp, p, FindingStatus.ANSWERED)
    _change(actor, f, status=FindingStatus.OPEN)
    return note, {"finding": f.pk}


def _close(actor, insp, caps, now, p):
    insp.closed_at = now
    return _text(p, "note", required=False), {}


def _cancel(actor, insp, caps, now, p):
    return _text(p, "reason", required=False), {}


INSPECTION_HANDLERS = {"check": _check, "submit": _submit, "answer": _answer, "accept": _accept, "return": _return,
                       "close": _close, "cancel": _cancel}


def inspection_photos(*, actor, inspection: Inspection, code: str, files: Iterable) -> list[Photo]:
    """Photos of one checklist item, while the inspection is a draft (its inspector)."""
    INSPECTION.check(actor, inspection, "check")
    row = inspection.results.filter(code=code).first()
    if row is None:
        raise ValidationError({"code": [_("No item “%(code)s” in this checklist.") % {"code": code}]})
    return _photos(actor, files, result=row)


def _photos(actor, files, **owner) -> list[Photo]:
    files = list(files or ())
    if not files:
        raise ValidationError({"photos": [_("Choose at least one photo.")]})
    checked = [(upload, *check_image(upload)) for upload in files]  # every one before any is kept
    photos = []
    with transaction.atomic():
        for upload, content_type, _w, _h in checked:
            photo = Photo(content_type=content_type, uploaded_by=actor, **owner)
            photo.image.save(upload.name.rsplit("/", 1)[-1][-80:] or "photo", upload, save=False)
            photos.append(_add(actor, photo))
    return photos


# --- Credit files ---------------------------------------------------------------------------


def breach_record(*, actor, company: Company, severity: str, rule: str, occurred_on: dt.date, description: str = "",
                  manager: ProjectManager | None = None, estate: Estate | None = None,
                  result: InspectionResult | None = None, complaint: Complaint | None = None,
                  now: dt.datetime | None = None) -> Breach:
    """The bureau records a breach: points and publication from the standard in force on the day
    it occurred. From a failed checklist item (of an inspection of this company) or an upheld
    complaint against it."""
    now = now or timezone.now()
    if severity not in Severity.values:
        raise ValidationError({"severity": [_("Choose a severity.")]})
    if not (rule or "").strip():
        raise ValidationError({"rule": [_("Name the rule it breaks.")]})
    inspection = None
    if result is not None:
        inspection = result.inspection
        if result.result != Result.FAIL or inspection.company_id != company.pk or inspection.status == \
                InspectionStatus.DRAFT:
            raise ValidationError({"result": [_("Only a failed item of a submitted inspection of this company.")]})
        estate = estate or inspection.estate
    if complaint is not None:
        from .choices import ComplaintStatus

        if complaint.status != ComplaintStatus.UPHELD or complaint.company_id != company.pk:
            raise ValidationError({"complaint": [_("Only an upheld complaint against this company.")]})
        estate = estate or complaint.estate
    standard = standard_in_force(occurred_on)
    breach = Breach(company=company, manager=manager, estate=estate, severity=severity,
                    points=standard.points(severity), rule=rule.strip(), description=(description or "").strip(),
                    occurred_on=occurred_on, standard=standard, inspection=inspection, result=result,
                    complaint=complaint, recorded_by=actor,
                    published_until=add_months(occurred_on, standard.publish_months))
    with transaction.atomic():
        breach = record_create(actor=actor, instance=breach)
        events.breach(breach, EventKind.CREATED, actor, now)
    return breach


def correctable_from(breach: Breach) -> dt.date | None:
    """The first day a breach may be corrected: 1 month (minor) or 3 months (more serious) after
    it occurred, by its standard; never for an especially serious one."""
    s = breach.standard
    months = {Severity.MINOR: s.correct_after_months_minor,
              Severity.MORE_SERIOUS: s.correct_after_months_serious}.get(breach.severity)
    return None if months is None else add_months(breach.occurred_on, months)


def breach_act(actor, breach: Breach, action: str, *, now=None, **params) -> Breach:
    return _perform(BREACH, events.breach, actor, breach, action, BREACH_HANDLERS, now, params)


def _dispute(actor, b, caps, now, p):
    reason = _text(p, "reason", required=True)
    b.disputed_at, b.dispute_reason = now, reason
    b.recheck_due_at = deadlines.add_workdays(now, b.standard.dispute_workdays).at
    return reason, {"recheck_due_at": b.recheck_due_at.isoformat()}


def _recheck(actor, b, caps, now, p):
    b.rechecked_at = now
    return _text(p, "note", required=True), {"late": b.recheck_due_at is not None and now > b.recheck_due_at}


def _correct(actor, b, caps, now, p):
    first = correctable_from(b)
    today = timezone.localdate(now)
    if first is None:
        raise ActionConflict(_("An especially serious breach cannot be corrected."))
    if today < first:
        raise ActionConflict(_("This breach can be corrected from %(day)s.") % {"day": first.isoformat()})
    b.corrected_on = today
    return _text(p, "note", required=False), {}


def dispute_overdue_q(now: dt.datetime) -> models.Q:
    """Disputed breaches whose re-check is past its day (the 15 working days): the one place the
    clock, the bureau's list and the reminder decide "overdue"."""
    return models.Q(status=BreachStatus.DISPUTED, recheck_due_at__lt=now)


def disputes_remind(*, now: dt.datetime) -> dict[str, int]:
    """The dispute clock, as the system actor: the bureau's officers are reminded of a disputed
    breach to re-check once its day is within the standard's working days (3), and told once it
    is overdue — once each, the time kept on the breach (``recheck_reminded_at``,
    ``recheck_overdue_at``), so running it again sends nothing. A dispute first seen already
    overdue gets only the overdue notice."""
    system = system_actor()
    counts = {"reminded": 0, "overdue": 0}
    disputed = Breach.objects.filter(status=BreachStatus.DISPUTED, recheck_due_at__isnull=False)
    late = disputed.filter(dispute_overdue_q(now), recheck_overdue_at__isnull=True)
    for b in late.select_related("company").order_by("recheck_due_at", "pk"):
        with transaction.atomic():
            if Breach.objects.filter(pk=b.pk, status=BreachStatus.DISPUTED, recheck_overdue_at__isnull=True).update(
                    recheck_overdue_at=now, recheck_reminded_at=Coalesce("recheck_reminded_at", Value(now))) != 1:
                continue
            events.dispute_reminder(b, system, now, overdue=True)
            counts["overdue"] += 1
    ahead: dict[int, dt.datetime | None] = {}  # working days ahead -> the end of that window
    soon = disputed.filter(recheck_due_at__gte=now, recheck_reminded_at__isnull=True)
    for b in soon.select_related("company", "standard").order_by("recheck_due_at", "pk"):
        n = b.standard.dispute_remind_workdays
        if n not in ahead:
            ahead[n] = deadlines.add_workdays(now, n).at if n else None
        if ahead[n] is None or b.recheck_due_at > ahead[n]:
            continue
        with transaction.atomic():
            if Breach.objects.filter(pk=b.pk, status=BreachStatus.DISPUTED, recheck_reminded_at__isnull=True).update(
                    recheck_reminded_at=now) != 1:
                continue
            events.dispute_reminder(b, system, now, overdue=False)
            counts["reminded"] += 1
    return counts


BREACH_HANDLERS = {"dispute": _dispute, "uphold": _recheck, "annul": _recheck, "correct": _correct}


def achievement_add(*, actor, company: Company, kind: str, title: str, on: dt.date, manager=None, inspection=None):
    from .models import Achievement

    return record_create(actor=actor, instance=Achievement(company=company, manager=manager, kind=kind, title=title,
                                                           on=on, inspection=inspection))


# --- Project managers -----------------------------------------------------------------------


def manager_create(*, actor, company: Company, name: str, certificate_no: str, user=None) -> ProjectManager:
    return record_create(actor=actor, instance=ProjectManager(company=company, name=name,
                                                              certificate_no=certificate_no, user=user))


def _most_at_once(spans: list[tuple[dt.date, dt.date | None]], start: dt.date, end: dt.date | None) -> int:
    """The largest number of ``spans`` running on one day of [start, end]: the count peaks on a
    day one of them starts (or on ``start``)."""
    days = {start} | {s for s, _e in spans if s >= start and (end is None or s <= end)}
    return max(sum(1 for s, e in spans if s <= d and (e is None or e >= d)) for d in days)


def assign_manager(*, actor, manager: ProjectManager, estate: Estate, start_on: dt.date,
                   end_on: dt.date | None = None) -> Assignment:
    """Assign a project manager to an estate; refused (422) when it would make them run more
    projects at once than the standard allows (沪房规范〔2023〕3号: 3)."""
    with transaction.atomic():
        ProjectManager.objects.select_for_update().filter(pk=manager.pk).first()  # one assignment at a time
        standard = standard_in_force(start_on)
        spans = list(Assignment.objects.filter(manager=manager).values_list("start_on", "end_on"))
        if spans and _most_at_once(spans, start_on, end_on) >= standard.manager_max_projects:
            raise ValidationError({"manager": [_(
                "%(name)s already runs %(n)s projects at once in that period: a project manager runs at most "
                "%(n)s (沪房规范〔2023〕3号).") % {"name": manager.name, "n": standard.manager_max_projects}]})
        return record_create(actor=actor, instance=Assignment(manager=manager, estate=estate, start_on=start_on,
                                                              end_on=end_on))


# --- Complaints -----------------------------------------------------------------------------


def complaint_create(*, actor, estate: Estate, description: str, channel: str = ComplaintChannel.WEB,
                     company: Company | None = None, manager: ProjectManager | None = None,
                     external_id: str | None = None, due_at: dt.datetime | None = None,
                     filed_at: dt.datetime | None = None) -> Complaint:
    """File a complaint (against the company serving the estate unless another is named). Its
    clock is the repairs clock: taken on within the standard's working days, replied to within the
    12345 complaint limit (5 working days) or the hotline's own deadline. Idempotent per channel
    and external id (a repeated 12345 order gives the same complaint)."""
    now = timezone.now()
    filed_at = filed_at or now
    if external_id:
        found = Complaint.objects.filter(channel=channel, external_id=external_id).first()
        if found is not None:
            return found
    if not (description or "").strip():
        raise ValidationError({"description": [_("Say what the complaint is about.")]})
    if manager is not None and not Assignment.objects.as_of(timezone.localdate(filed_at)).filter(
            manager=manager, estate=estate).exists():
        raise ValidationError({"manager": [_("This project manager does not run this estate.")]})
    # a complaint against a project manager is against the company they work for
    company = company or (manager.company if manager is not None else None) or serving_company(
        estate, timezone.localdate(filed_at))
    if company is None:
        raise ValidationError({"company": [_("No company serves this estate: name the company.")]})
    standard = standard_in_force(timezone.localdate(filed_at))
    response = deadlines.add_workdays(filed_at, standard.complaint_response_workdays)
    complete = deadlines.hotline_completion(kind="complaint", received_at=filed_at, due_at=due_at)
    complaint = Complaint(estate=estate, company=company, manager=manager, channel=channel,
                          external_id=external_id or None, description=(description or "").strip(),
                          reporter=None if channel == ComplaintChannel.HOTLINE else actor, filed_at=filed_at)
    deadlines.Deadlines.of(response, complete).apply(complaint)
    try:
        with transaction.atomic():
            complaint = record_create(actor=actor, instance=complaint)
            events.complaint(complaint, EventKind.CREATED, actor, now)
    except IntegrityError:
        found = Complaint.objects.filter(channel=channel, external_id=external_id).first()
        if found is None:
            raise
        return found
    return complaint


def complaint_channel(user) -> str:
    """How a user's complaint came in: a resident's on the web, anyone else's (a committee, a
    town office, the bureau) through the committee channel; 12345 orders say so themselves."""
    from fangguan.accounts.roles import OWNER, grants

    return ComplaintChannel.WEB if any(g.kind == OWNER for g in grants(user)) else ComplaintChannel.COMMITTEE


def complaint_act(actor, complaint: Complaint, action: str, *, now=None, **params) -> Complaint:
    return _perform(COMPLAINT, events.complaint, actor, complaint, action, COMPLAINT_HANDLERS, now, params)


def _take(actor, c, caps, now, p):
    c.responded_at = now
    return _text(p, "note", required=False), {"late": now > c.response_due_at}


def _reply(actor, c, caps, now, p):
    c.reply = _text(p, "reply", required=True, limit=2000)
    c.replied_at = now
    c.responded_at = c.responded_at or now
    return c.reply, {"late": now > c.complete_due_at}


def _decide(actor, c, caps, now, p):
    c.decision, c.decided_at = _text(p, "decision", required=True), now
    return c.decision, {}


def _withdraw(actor, c, caps, now, p):
    return _text(p, "reason", required=False), {}


def _escalate(actor, c, caps, now, p):
    note = _text(p, "note", required=True, limit=500)
    level = escalation_level(caps)
    esc = _add(actor, ComplaintEscalation(complaint=c, level=level, deadline=Deadline.MANUAL, sent_at=now,
                                          sent_by=actor, note=note))
    return note, {"level": level, "deadline": Deadline.MANUAL, "escalation": esc.pk}


def _acknowledge(actor, c, caps, now, p):
    waiting = list(c.escalations.filter(level__in=waiting_levels(caps), state=HandOff.SENT).order_by("pk"))
    if not waiting:
        raise ActionConflict(_("There is no escalation waiting for you on this complaint."))
    for esc in waiting:
        _change(actor, esc, state=HandOff.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor)
    return _text(p, "note", required=False), {"escalations": [e.pk for e in waiting]}


COMPLAINT_HANDLERS = {"take": _take, "reply": _reply, "uphold": _decide, "dismiss": _decide, "withdraw": _withdraw,
                      "escalate": _escalate, "acknowledge": _acknowledge}


def _missing(level: str, deadline: str):
    return ~Exists(ComplaintEscalation.objects.filter(complaint=OuterRef("pk"), level=level, deadline=deadline,
                                                      due_at=OuterRef(deadlines.DUE_FIELD[deadline])))


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """The complaints clock, as the system actor: late complaints up the repairs ladder
    (neighbourhood committee, then the town office after the grace hours); handover defects past
    their day to the bureau. Idempotent."""
    now = now or timezone.now()
    system = system_actor()
    with audit_context(cause=current().cause or "clock"):
        working = Complaint.objects.filter(status__in=COMPLAINT_WORKING)

        def late(level, deadline, before):
            return (working.filter(deadlines.late_q(deadline, before)).filter(_missing(level, deadline))
                    .order_by(deadlines.DUE_FIELD[deadline], "pk").values_list("pk", flat=True))

        sent = clock.sweep(now=now, ladder=deadlines.ladder(), deadlines=(Deadline.RESPONSE, Deadline.COMPLETION),
                           late=late, escalate_one=lambda pk, level, deadline, at: _escalate_by_clock(
                               system, pk, level, deadline, at))
        defects = defects_escalate(now=now)
        disputes = disputes_remind(now=now)
    return {"to_committee": sent[Level.COMMITTEE], "to_town": sent[Level.TOWN], "defects_to_bureau": defects,
            "disputes_reminded": disputes["reminded"], "disputes_overdue": disputes["overdue"]}


def _escalate_by_clock(system, pk: int, level: str, deadline: str, now: dt.datetime) -> bool:
    with transaction.atomic():
        c = Complaint.objects.select_for_update().get(pk=pk)
        due = getattr(c, deadlines.DUE_FIELD[deadline])
        if not COMPLAINT.permits(system, "escalate", c) or c.status not in COMPLAINT_WORKING or due >= now:
            return False
        if ComplaintEscalation.objects.filter(complaint=c, level=level, deadline=deadline, due_at=due).exists():
            return False
        esc = _add(system, ComplaintEscalation(complaint=c, level=level, deadline=deadline, due_at=due, sent_at=now))
        events.complaint(c, EventKind.ESCALATED, system, now,
                         note=_("Past the %(deadline)s deadline.") % {"deadline": esc.get_deadline_display()},
                         data={"level": level, "deadline": deadline, "due_at": due.isoformat(), "escalation": esc.pk})
    return True


# --- Handover inspections -------------------------------------------------------------------


def handover_create(*, actor, estate: Estate, company: Company, inspected_on: dt.date, delivery_on: dt.date,
                    now=None) -> Handover:
    """Open a handover inspection of a new estate (one with a developer in the registry) on the
    handover checklist in force, with the documents to hand over listed."""
    from .defaults import HANDOVER_DOCUMENTS

    if estate.developer_id is None:
        raise ValidationError({"estate": [_("The estate has no developer in the registry.")]})
    template = Template.objects.in_force(TemplateKind.HANDOVER, inspected_on)
    if template is None:
        raise ValidationError({"estate": [_("No handover checklist is in force on that day.")]})
    handover = Handover(estate=estate, company=company, developer_id=estate.developer_id, template=template,
                        standard=standard_in_force(inspected_on), inspected_on=inspected_on, delivery_on=delivery_on,
                        documents=[{"name": d, "received": False} for d in HANDOVER_DOCUMENTS], created_by=actor)
    with transaction.atomic():
        handover = record_create(actor=actor, instance=handover)
        events.handover(handover, EventKind.CREATED, actor, now or timezone.now())
    return handover


def handover_act(actor, handover: Handover, action: str, *, now=None, **params) -> Handover:
    return _perform(HANDOVER, events.handover, actor, handover, action, HANDOVER_HANDLERS, now, params)


def _record(actor, h, caps, now, p):
    codes = {i["code"] for i in h.template.items}
    results = dict(h.results)
    for code, value in (p.get("results") or {}).items():
        if code not in codes or value not in Result.values:
            raise ValidationError({"results": [_("Answer pass, fail or not applicable for items of the checklist.")]})
        results[code] = value
    documents = [dict(d) for d in h.documents]
    for name in p.get("received") or []:
        match = [d for d in documents if d["name"] == name]
        if not match:
            raise ValidationError({"received": [_("No such document in the list.")]})
        match[0]["received"] = True
    h.results, h.documents = results, documents
    return "", {"results": len(p.get("results") or {}), "received": list(p.get("received") or [])}


def _add_defect(actor, h, caps, now, p):
    code = p.get("code") or ""
    item = next((i for i in h.template.items if i["code"] == code), None)
    if code and item is None:
        raise ValidationError({"code": [_("No item “%(code)s” in this checklist.") % {"code": code}]})
    found = _day(p["found_on"], "found_on") if p.get("found_on") else timezone.localdate(now)
    defect = _add(actor, Defect(handover=h, code=code, group=item["group"] if item else "",
                                description=_text(p, "description", required=True), found_on=found,
                                due_on=found + dt.timedelta(days=h.standard.handover_fix_days)))
    if p.get("photos"):
        _photos(actor, p["photos"], defect=defect)
    h._new_defect = defect
    return defect.description, {"defect": defect.pk, "due_on": defect.due_on.isoformat()}


def _fix(actor, h, caps, now, p):
    pending = h.defects.filter(status=DefectStatus.OPEN)
    if p.get("defect") is not None:
        pending = pending.filter(pk=p["defect"]) if isinstance(p["defect"], int) else pending.none()
    d = pending.order_by("pk").first()
    if d is None:
        raise ActionConflict(_("There is no defect waiting to be fixed."))
    fixed = _day(p["fixed_on"], "fixed_on") if p.get("fixed_on") else timezone.localdate(now)
    _change(actor, d, status=DefectStatus.FIXED, fixed_on=fixed)
    return _text(p, "note", required=False), {"defect": d.pk, "late": fixed > d.due_on}


def _sign(actor, h, caps, now, p):
    missing = [i["code"] for i in h.template.items if i["code"] not in h.results]
    if missing:
        raise ValidationError({"results": [_("%(n)s checklist items are not answered yet.") % {"n": len(missing)}]})
    if not all(d["received"] for d in h.documents):
        raise ValidationError({"received": [_("Check off every document handed over first.")]})
    h.signed_by_developer = _text(p, "developer_signatory", required=True, limit=50)
    h.signed_by_company = _text(p, "company_signatory", required=True, limit=50)
    h.signed_at = now
    return "", {}


def filing_deadline(handover: Handover) -> dt.date:
    """The last day to file: the standard's days (15) before delivery."""
    return handover.delivery_on - dt.timedelta(days=handover.standard.handover_filing_days)


def _file(actor, h, caps, now, p):
    h.filed_at = now
    h.filed_late = timezone.localdate(now) > filing_deadline(h)
    return "", {"late": h.filed_late}


HANDOVER_HANDLERS = {"record": _record, "add_defect": _add_defect, "fix": _fix, "sign": _sign, "file": _file}


def defects_escalate(*, now: dt.datetime) -> int:
    """Defects past their day and not fixed: to the bureau, once each (its time kept)."""
    from django.contrib.auth import get_user_model

    from fangguan.accounts.choices import OrgKind

    from .events import _notify

    today = timezone.localdate(now)
    system = system_actor()
    late = list(Defect.objects.filter(status=DefectStatus.OPEN, due_on__lt=today, escalated_at__isnull=True)
                .select_related("handover__estate").order_by("pk"))
    bureau = get_user_model().objects.filter(is_active=True, memberships__active=True,
                                             memberships__organisation__kind=OrgKind.BUREAU).distinct()
    for d in late:
        with transaction.atomic():
            if Defect.objects.filter(pk=d.pk, escalated_at__isnull=True).update(escalated_at=now) != 1:
                continue
            events.handover(d.handover, EventKind.ESCALATED, system, now,
                            note=_("Defect not fixed by %(day)s: %(text)s") % {"day": d.due_on, "text": d.description[:100]},
                            data={"defect": d.pk})
            _notify(bureau, _("Handover defect overdue: %(estate)s") % {"estate": d.handover.estate.name},
                    d.description[:200], "", "supervision.handover.escalated")
    return len(late)


# --- The district pool ----------------------------------------------------------------------


def pool_apply(*, actor, company: Company, now=None) -> PoolEntry:
    now = now or timezone.now()
    require(actor, ADD, PoolEntry)
    entry = PoolEntry(company=company, applied_on=timezone.localdate(now))
    try:
        with transaction.atomic():
            return record_create(actor=actor, instance=entry)
    except IntegrityError:
        raise ValidationError({"company": [_("The company already has an application or a place in the pool.")]}) \
            from None


def pool_act(actor, entry: PoolEntry, action: str, *, now=None, **params) -> PoolEntry:
    def writer(record, kind, actor, at, note="", data=None):
        from fangguan.outbox.services import publish

        publish(f"supervision.pool.{record.status}", {"entry": {"id": record.pk, "company_id": record.company_id,
                                                                 "status": record.status, "reason": record.reason}},
                aggregate_type="supervision.pool", aggregate_id=record.pk, at=at)

    return _perform(POOL, writer, actor, entry, action, POOL_HANDLERS, now, params)


def _admit(actor, e, caps, now, p):
    from .selectors import pool_check

    today = timezone.localdate(now)
    verdict = pool_check([e.company_id], today)[e.company_id]
    if verdict["reasons"]:
        raise ActionConflict("；".join(verdict["reasons"]))
    standard = standard_in_force(today)
    e.admitted_on, e.grade = today, verdict["grade"] or ""
    e.term_until = add_months(today, 12 * standard.pool_term_years) - dt.timedelta(days=1)
    e.reason = _text(p, "note", required=False, limit=500)
    return e.reason, {"grade": e.grade}


def _refuse(actor, e, caps, now, p):
    e.reason, e.ended_on = _text(p, "reason", required=True, limit=500), timezone.localdate(now)
    return e.reason, {}


def _remove(actor, e, caps, now, p):
    e.reason, e.ended_on = _text(p, "reason", required=True, limit=500), timezone.localdate(now)
    return e.reason, {}


def _expire(actor, e, caps, now, p):
    e.reason, e.ended_on = _("The term ended."), timezone.localdate(now)
    return e.reason, {}


POOL_HANDLERS = {"admit": _admit, "refuse": _refuse, "remove": _remove, "expire": _expire}


def pool_nightly(*, now=None) -> dict[str, int]:
    """The nightly check, as the system actor: members whose term ended leave; members who no
    longer meet the admission rules are removed, with the reasons."""
    from .selectors import pool_check

    now = now or timezone.now()
    today = timezone.localdate(now)
    system = system_actor()
    counts = {"expired": 0, "removed": 0}
    with audit_context(cause=current().cause or "pool_nightly"):
        members = list(PoolEntry.objects.filter(status="admitted").order_by("pk"))
        verdicts = pool_check([e.company_id for e in members], today)
        for e in members:
            if e.term_until and e.term_until < today:
                pool_act(system, e, "expire", now=now)
                counts["expired"] += 1
            elif verdicts[e.company_id]["reasons"]:
                pool_act(system, e, "remove", now=now, reason="；".join(verdicts[e.company_id]["reasons"]))
                counts["removed"] += 1
    return counts


def refuse_unless(condition: bool, message: str) -> None:
    if not condition:
        raise ActionForbidden(message)


# --- Yearly evaluations ---------------------------------------------------------------------

# A year's evaluation is stored once the standard's days into the next year have passed (31: from
# 1 February — a month for the year's last records to arrive: a December complaint decided, the
# year's surveys entered). From then on its grades and ranks are published figures and later
# records do not change them.


def evaluation_freeze(year: int, *, now: dt.datetime | None = None) -> int:
    """Store ``year``'s evaluation — the district's and each town's, every line with its parts —
    as computed now from every record (as the system actor), once: a year already stored is
    left as it is. The number of lines written."""
    from fangguan.registry.models import Town

    from .models import YearEvaluation
    from .selectors import evaluation

    if YearEvaluation.objects.filter(year=year).exists():
        return 0
    from fangguan.repairs.selectors import repair_stats

    now = now or timezone.now()
    system = system_actor()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    figures = repair_stats(system, "company", start, end, now=now)  # the same for the district and each town
    rows = []
    for town in [None, *Town.objects.order_by("pk").values_list("pk", flat=True)]:
        data = evaluation(system, date_from=start, date_to=end, town=town, now=now, repair_figures=figures)
        rows += [YearEvaluation(year=year, town_id=town, company_id=it["company"]["id"], score=it["score"],
                                grade=it["grade"] or "", rank=it["rank"], parts=it["parts"],
                                standard_from=data["standard"], frozen_at=now) for it in data["items"]]
    try:
        with transaction.atomic():
            YearEvaluation.objects.bulk_create(rows)
    except IntegrityError:  # another worker stored it first
        return 0
    return len(rows)


def evaluation_freeze_due(*, now: dt.datetime | None = None) -> int:
    """The nightly step: store the last finished year once its day has come
    (``Standard.evaluation_stored_from``, by the standard in force on that year's 31 December),
    else the year before it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with audit_context(cause=current().cause or "evaluation_freeze"):
        for year in (today.year - 1, today.year - 2):
            if today >= standard_in_force(dt.date(year, 12, 31)).evaluation_stored_from(year):
                return evaluation_freeze(year, now=now)
    return 0
