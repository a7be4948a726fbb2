"""What happens after a supervision record changes, in one place, called explicitly by the
services inside the change's transaction: the typed event row (the record's history),
``outbox.publish("supervision.<record>.<kind>")`` for other systems (ids, codes, states and
times — never names, phones or descriptions), and notices to the people concerned."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from fangguan.accounts.choices import OrgKind, Role
from fangguan.notifications.services import notify
from fangguan.outbox.services import publish

from .choices import COMPLAINT_FINAL, ComplaintChannel, EventKind
from .models import BreachEvent, ComplaintEvent, HandoverEvent, InspectionEvent


def company_staff(company_id):
    """The company's managers and dispatchers (who answer findings and complaints)."""
    return get_user_model().objects.filter(
        is_active=True, memberships__active=True, memberships__organisation__active=True,
        memberships__organisation__kind=OrgKind.COMPANY, memberships__organisation__company_id=company_id,
        memberships__role__in=[Role.COMPANY_MANAGER, Role.DISPATCHER]).distinct()


def bureau_officers():
    """The bureau's officers (who record breaches and re-check disputed ones)."""
    return get_user_model().objects.filter(
        is_active=True, memberships__active=True, memberships__organisation__active=True,
        memberships__organisation__kind=OrgKind.BUREAU, memberships__role=Role.BUREAU_OFFICER).distinct()


def _notify(users, title, body, url, topic):
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the district's language
        notify(list(users), title=str(title), body=str(body), url=url, topic=topic)


def inspection(record, kind: str, actor, at, *, note: str = "", data: dict | None = None) -> InspectionEvent:
    event = InspectionEvent.objects.create(inspection=record, kind=kind, actor=actor, at=at, note=note[:1000],
                                           data=data or {})
    if kind == EventKind.CREATED and (data or {}).get("checked") is not None:
        return event  # saving the checklist of a draft: history only
    publish(f"supervision.inspection.{kind}", {
        "inspection": {"id": record.pk, "estate_id": record.estate_id, "company_id": record.company_id,
                       "kind": record.kind, "status": record.status, "inspected_on": record.inspected_on.isoformat(),
                       "template_id": record.template_id, "passed": record.passed, "failed": record.failed},
        "event": {"id": event.pk, "kind": kind, "at": at.isoformat(), "finding": (data or {}).get("finding")},
    }, aggregate_type="supervision.inspection", aggregate_id=record.pk, at=at)
    url = reverse("supervision:inspection", args=[record.pk])
    with translation.override(settings.LANGUAGE_CODE):
        if kind == EventKind.SUBMITTED and record.company_id and record.findings.exists():
            _notify(company_staff(record.company_id), _("Inspection findings to correct: %(estate)s") % {
                "estate": record.estate.name}, _("%(n)s findings") % {"n": record.findings.count()}, url,
                "supervision.inspection.submitted")
        elif kind == EventKind.ANSWERED:
            _notify([record.inspector], _("The company answered a finding: %(estate)s") % {
                "estate": record.estate.name}, note[:200], url, "supervision.inspection.answered")
    return event


def breach(record, kind: str, actor, at, *, note: str = "", data: dict | None = None) -> BreachEvent:
    event = BreachEvent.objects.create(breach=record, kind=kind, actor=actor, at=at, note=note[:1000],
                                       data=data or {})
    publish(f"supervision.breach.{kind}", {
        "breach": {"id": record.pk, "company_id": record.company_id, "manager_id": record.manager_id,
                   "severity": record.severity, "points": record.points, "status": record.status,
                   "occurred_on": record.occurred_on.isoformat()},
        "event": {"id": event.pk, "kind": kind, "at": at.isoformat()},
    }, aggregate_type="supervision.breach", aggregate_id=record.pk, at=at)
    if kind == EventKind.CREATED:
        with translation.override(settings.LANGUAGE_CODE):
            _notify(company_staff(record.company_id), _("A breach was recorded on your credit file"),
                    f"{record.get_severity_display()} · {record.points}", "", "supervision.breach.created")
    return event


def dispute_reminder(record, actor, at, *, overdue: bool) -> BreachEvent:
    """The dispute clock reminded the bureau's officers to re-check a disputed breach: before the
    day, or once it is past (the event row is the reminder's history)."""
    due = record.recheck_due_at
    event = BreachEvent.objects.create(breach=record, kind=EventKind.REMINDED, actor=actor, at=at,
                                       data={"overdue": overdue, "recheck_due_at": due.isoformat()})
    with translation.override(settings.LANGUAGE_CODE):
        last_day = (due.astimezone(ZoneInfo(settings.TIME_ZONE)) - dt.timedelta(seconds=1)).date()
        title = (_("Disputed breach not re-checked in time: %(company)s") if overdue
                 else _("Disputed breach to re-check: %(company)s")) % {"company": record.company.name}
        body = _("Re-check due by the end of %(day)s. %(rule)s") % {"day": last_day.isoformat(),
                                                                    "rule": record.rule[:150]}
        _notify(bureau_officers(), title, body, reverse("supervision:credit", args=[record.company_id]),
                "supervision.breach.overdue" if overdue else "supervision.breach.reminder")
    return event


def complaint(record, kind: str, actor, at, *, note: str = "", data: dict | None = None) -> ComplaintEvent:
    event = ComplaintEvent.objects.create(complaint=record, kind=kind, actor=actor, at=at, note=note[:1000],
                                          data=data or {})
    publish(f"supervision.complaint.{kind}", {
        "complaint": {"id": record.pk, "estate_id": record.estate_id, "company_id": record.company_id,
                      "channel": record.channel, "external_id": record.external_id, "status": record.status,
                      "response_due_at": record.response_due_at.isoformat(),
                      "complete_due_at": record.complete_due_at.isoformat()},
        "event": {"id": event.pk, "kind": kind, "at": at.isoformat(), "level": (data or {}).get("level")},
    }, aggregate_type="supervision.complaint", aggregate_id=record.pk, at=at)
    if record.channel == ComplaintChannel.HOTLINE and record.external_id:
        # the 12345 order's outcome, as a repair request's (``repairs.events.hotline_outcome``):
        # the hotline reads it to the caller, so the note (reply, decision) goes with it
        publish("hotline.outcome", {
            "order_id": record.external_id, "complaint_id": record.pk, "event": kind, "at": at.isoformat(),
            "status": record.status, "closed": record.status in COMPLAINT_FINAL, "note": note[:1000],
            "complete_due_at": record.complete_due_at.isoformat()}, aggregate_type="hotline.order",
            aggregate_id=record.external_id, at=at)
    url = reverse("supervision:complaint", args=[record.pk])
    with translation.override(settings.LANGUAGE_CODE):
        if kind == EventKind.CREATED:
            _notify(company_staff(record.company_id), _("A complaint about your service: %(estate)s") % {
                "estate": record.estate.name}, "", url, "supervision.complaint.created")
        elif kind in (EventKind.REPLIED, EventKind.UPHELD, EventKind.DISMISSED) and record.reporter_id \
                and record.reporter_id != actor.pk:
            _notify([record.reporter], _("Your complaint: %(state)s") % {"state": record.get_status_display()},
                    note[:200], url, f"supervision.complaint.{kind}")
    return event


def handover(record, kind: str, actor, at, *, note: str = "", data: dict | None = None) -> HandoverEvent:
    event = HandoverEvent.objects.create(handover=record, kind=kind, actor=actor, at=at, note=note[:1000],
                                         data=data or {})
    if kind in (EventKind.SIGNED, EventKind.FILED, EventKind.ESCALATED):
        publish(f"supervision.handover.{kind}", {
            "handover": {"id": record.pk, "estate_id": record.estate_id, "company_id": record.company_id,
                         "status": record.status, "delivery_on": record.delivery_on.isoformat(),
                         "filed_late": record.filed_late},
            "event": {"id": event.pk, "kind": kind, "at": at.isoformat()},
        }, aggregate_type="supervision.handover", aggregate_id=record.pk, at=at)
    return event
