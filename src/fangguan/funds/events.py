"""What happens after an application to use the fund changes, in one place, called explicitly by
the services inside the change's transaction: the ``ApplicationEvent`` row (its history),
``outbox.publish("funds.<kind>")`` for other systems (ids, amounts, states — no personal data),
and notices (``notifications.notify``): the applicant on every step others take; the owners of the
paying homes when the notice is published, when an emergency repair is authorised and when it is
settled. Statements publish ``funds.statement_published`` and tell the estate's owners. A posted
audit report tells the estate's owners where to read it (``audit_posted``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangguan.notifications.services import notify
from fangguan.outbox.services import publish

from .choices import EventKind
from .models import Application, ApplicationEvent, Statement

TELL_OWNERS = {EventKind.PUBLISHED, EventKind.EMERGENCY, EventKind.SETTLED}


def write(app: Application, kind: str, actor, at, *, note: str = "", data: dict | None = None) -> ApplicationEvent:
    event = ApplicationEvent.objects.create(application=app, kind=kind, actor=actor, at=at, note=note[:500],
                                            data=data or {})
    publish(f"funds.{kind}", payload(app, event), aggregate_type="funds.application", aggregate_id=app.pk, at=at)
    tell(app, event)
    return event


def payload(app: Application, event: ApplicationEvent) -> dict:
    return {"application": {"id": app.pk, "estate_id": app.estate_id, "area_id": app.area_id, "status": app.status,
                            "emergency": app.emergency, "homes": len(app.homes), "estimate_fen": app.estimate_fen,
                            "reviewed_fen": app.reviewed_fen, "paid_fen": app.paid_fen, "final_fen": app.final_fen,
                            "vote_id": app.vote_id},
            "event": {"id": event.pk, "kind": event.kind, "at": event.at.isoformat(), "data": event.data}}


def owners_of(home_ids) -> list:
    from fangguan.registry.models import HomeShare

    people = HomeShare.objects.as_of(timezone.localdate()).filter(home_id__in=home_ids).values("person_id")
    return list(get_user_model().objects.filter(is_active=True, person__in=people))


def tell(app: Application, event: ApplicationEvent) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the district's language
        title = _("%(title)s: %(step)s") % {"title": app.title, "step": event.get_kind_display()}
        body = f"{app.estate.name} · {event.note}".strip(" ·")
    users = [] if event.actor_id == app.applicant_id else [app.applicant]
    if event.kind in TELL_OWNERS:
        users += owners_of(app.homes)
    if users:
        notify(users, title=title, body=body, url=reverse("funds:application", args=[app.pk]),
               topic=f"funds.{event.kind}")


def statement_published(statement: Statement) -> None:
    publish("funds.statement_published",
            {"statement": {"id": statement.pk, "estate_id": statement.estate_id, "ledger": statement.ledger,
                           "period_start": statement.period_start.isoformat(),
                           "period_end": statement.period_end.isoformat(), "opening_fen": statement.opening_fen,
                           "income_fen": statement.income_fen, "spending_fen": statement.spending_fen,
                           "closing_fen": statement.closing_fen, "digest": statement.digest}},
            aggregate_type="funds.statement", aggregate_id=statement.pk, at=statement.published_at)


def estate_owners(estate_id: int) -> list:
    """The active users who own a home of the estate today."""
    from fangguan.registry.models import Home

    return owners_of(Home.objects.filter(building__estate_id=estate_id).values("pk"))


def audit_posted(report) -> None:
    """An audit report posted to the owners (Shanghai 2020 rules Art. 67 ¶2: 30 days): each owner of
    the estate is told, in the district's language, with the days it is posted and a link to the
    audits page (the file itself is read there, by those who may)."""
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the district's language
        title = _("%(estate)s: %(kind)s posted") % {"estate": report.estate.name, "kind": report.get_kind_display()}
        body = _("Audit of %(start)s to %(end)s by %(auditor)s, posted from %(on)s until %(until)s.") % {
            "start": report.period_start.isoformat(), "end": report.period_end.isoformat(), "auditor": report.auditor,
            "on": report.posted_on.isoformat(), "until": report.posted_until.isoformat()}
    notify(estate_owners(report.estate_id), title=title, body=body, url=reverse("funds:audits"),
           topic="funds.audit_posted")
