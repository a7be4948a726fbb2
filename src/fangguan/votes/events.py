"""What happens after a vote changes, in one place, called explicitly by the services inside
the change's transaction: the ``VoteEvent`` row (its history), ``outbox.publish("votes.<kind>")``
for other systems (ids, counts and the outcome — never who voted what), and notices to the
people concerned (``notifications.notify``): the owners concerned when it opens and when it
closes (with the result), and the organiser."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangguan.notifications.services import notify
from fangguan.outbox.services import publish

from .choices import EventKind
from .models import Vote, VoteEvent, VoterPerson


def write(vote: Vote, kind: str, actor, at, *, note: str = "", data: dict | None = None) -> VoteEvent:
    event = VoteEvent.objects.create(vote=vote, kind=kind, actor=actor, at=at, note=note[:500], data=data or {})
    if kind in (EventKind.OPENED, EventKind.CLOSED, EventKind.CANCELLED):
        publish(f"votes.{kind}", payload(vote, event), aggregate_type="votes.vote", aggregate_id=vote.pk, at=at)
        tell(vote, event)
    return event


def payload(vote: Vote, event: VoteEvent) -> dict:
    body = {"vote": {"id": vote.pk, "estate_id": vote.estate_id, "area_id": vote.area_id, "matter": vote.matter,
                     "status": vote.status, "opens_at": vote.opens_at.isoformat(), "closes_at": vote.closes_at.isoformat(),
                     "electorate": {"homes": vote.elector_homes, "owners": vote.elector_owners,
                                    "area_m2": str(vote.elector_area_m2) if vote.elector_area_m2 is not None else None}},
            "event": {"id": event.pk, "kind": event.kind, "at": event.at.isoformat()}}
    if event.kind == EventKind.CLOSED:
        result = vote.result
        body["result"] = {"quorum_met": result.quorum_met, "passed": result.passed, "digest": result.digest}
    return body


def electors_users(vote: Vote):
    """The accounts of the owners concerned (people linked to a login)."""
    people = VoterPerson.objects.filter(vote=vote).values("person_id")
    return get_user_model().objects.filter(is_active=True, person__in=people)


def tell(vote: Vote, event: VoteEvent) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the district's language
        if event.kind == EventKind.OPENED:
            closes = timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")
            title = _("A vote concerns you: %(title)s") % {"title": vote.title}
            body = _("%(estate)s · voting until %(closes)s") % {"estate": vote.estate.name, "closes": closes}
        elif event.kind == EventKind.CLOSED:
            result = vote.result
            outcome = _("passed") if result.passed else (_("not passed") if result.quorum_met else
                                                         _("not enough owners took part"))
            title = _("Result of the vote: %(title)s") % {"title": vote.title}
            body = _("%(estate)s · %(outcome)s") % {"estate": vote.estate.name, "outcome": outcome}
        else:
            title = _("Vote cancelled: %(title)s") % {"title": vote.title}
            body = event.note
    users = list(electors_users(vote)) + [vote.organiser]
    notify(users, title=title, body=body, url=reverse("votes:detail", args=[vote.pk]), topic=f"votes.{event.kind}")
