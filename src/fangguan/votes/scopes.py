"""Who sees owners' votes and who may do what with them — the one place these rules live.

Seeing a vote: the bureau and auditors, every vote; a town office, its town's; a neighbourhood
committee, its estates'; an owners' committee, its management area's; a property company, the
votes of the estates it serves (a vote on hiring it concerns it) once open; an owner, the open
and closed votes in which they are an elector. Drafts are for their organisers (and the bureau).

Organising (``add``): an owners' committee in its own management area; where the area has no
owners' committee in office, the neighbourhood committee of the estate or the town office. A
draft is changed or deleted by its organiser; everything after is the workflow's
(``machine.TABLE``).

How anyone voted is never shown while a vote is open; after the close, to the organiser and the
bureau (``selectors.may_see_choices``; ``VOTES_DISCLOSE_CHOICES`` widens it).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, business_grants, grants, reads_everything
from fangguan.core.scopes import ADD, DELETE, EVERYTHING, NOTHING, Rule, register_scope
from fangguan.registry.models import OwnersCommittee
from fangguan.registry.scopes import reach_of

from . import models as m
from .choices import Status


def vote_q(user) -> Q | None:
    """The filter on Vote for this user; None means every vote."""
    if reads_everything(user):
        return None
    q = Q(pk__in=[])
    published = Q(status__in=(Status.OPEN, Status.CLOSED, Status.CANCELLED))
    for g in business_grants(user):
        if g.kind == OrgKind.TOWN_OFFICE:
            q |= Q(estate__town_id=g.town_id)
        elif g.kind == OrgKind.NEIGHBOURHOOD:
            q |= Q(estate__neighbourhood_id=g.neighbourhood_id)
        elif g.kind == OrgKind.OWNERS_COMMITTEE:
            q |= Q(area_id__in=OwnersCommittee.objects.filter(pk=g.committee_id).values("area_id"))
        elif g.kind == OrgKind.COMPANY:
            q |= published & Q(estate_id__in=reach_of(g).estates)
        elif g.kind == OWNER:
            q |= published & Q(pk__in=m.VoterPerson.objects.filter(person_id=g.person_id).values("vote_id"))
    return q


def organising_kind(user, area, day=None) -> str | None:
    """The kind of body through which ``user`` may organise a vote in ``area`` (a management
    area), or None: its owners' committee; else, where it has none in office, the estate's
    neighbourhood committee, else the town office."""
    day = day or timezone.localdate()
    committees = set(OwnersCommittee.objects.as_of(day).filter(area=area).values_list("pk", flat=True))
    kinds = {g.kind for g in grants(user)
             if (g.kind == OrgKind.OWNERS_COMMITTEE and g.committee_id in committees)
             or (g.kind == OrgKind.NEIGHBOURHOOD and g.neighbourhood_id == area.estate.neighbourhood_id)
             or (g.kind == OrgKind.TOWN_OFFICE and g.town_id == area.estate.town_id)}
    if OrgKind.OWNERS_COMMITTEE in kinds:
        return OrgKind.OWNERS_COMMITTEE
    if committees:
        return None  # an area with a committee in office decides through it
    for kind in (OrgKind.NEIGHBOURHOOD, OrgKind.TOWN_OFFICE):
        if kind in kinds:
            return kind
    return None


def _organises(user, vote) -> bool:
    from .machine import MACHINE, ORGANISER

    return ORGANISER in MACHINE.capacities_of(user, vote)


class VoteRule(Rule):
    def visible(self, qs, user):
        q = vote_q(user)
        return qs if q is None else qs.filter(q)

    def fields(self, user, record):
        return EVERYTHING if record.status == Status.DRAFT and _organises(user, record) else NOTHING

    def allows(self, user, action, record):
        if action == ADD:
            if record is None:
                return any(g.kind in (OrgKind.OWNERS_COMMITTEE, OrgKind.NEIGHBOURHOOD, OrgKind.TOWN_OFFICE)
                           for g in grants(user))
            return organising_kind(user, record.area) == record.organiser_kind
        if action == DELETE:
            return record is not None and record.status == Status.DRAFT and _organises(user, record)
        from .machine import MACHINE

        return record is not None and MACHINE.permits(user, action, record)


class HangsFromVote(Rule):
    """Documents, the electorate, ballots, results, events: visible with their vote. Ballots
    and the electorate's owners are read through ``selectors`` (which decide what is shown)."""

    def visible(self, qs, user):
        q = vote_q(user)
        return qs if q is None else qs.filter(vote__in=m.Vote.objects.filter(q).values("pk"))

    def allows(self, user, action, record):
        if action == ADD and record is None:  # may add some document: whoever may organise a vote
            return any(g.kind in (OrgKind.OWNERS_COMMITTEE, OrgKind.NEIGHBOURHOOD, OrgKind.TOWN_OFFICE)
                       for g in grants(user))
        if record is None or action not in (ADD, DELETE) or not isinstance(record, m.VoteDocument):
            return False
        return record.vote.status == Status.DRAFT and _organises(user, record.vote)


class RuleRule(Rule):
    """The rules in force: read by every business user, changed by the bureau (a new version
    with its effective date; versions already applied to a vote are kept)."""

    def visible(self, qs, user):
        return qs if business_grants(user) else qs.none()

    def fields(self, user, record):
        return EVERYTHING if any(g.kind == OrgKind.BUREAU for g in grants(user)) and not record.votes.exists() \
            else NOTHING

    def allows(self, user, action, record):
        if action not in (ADD, DELETE) or not any(g.kind == OrgKind.BUREAU for g in grants(user)):
            return False
        return action == ADD or (record is not None and not record.votes.exists())


def register_all() -> None:
    register_scope(m.Vote, VoteRule())
    for model in (m.VoteDocument, m.Voter, m.VoterPerson, m.ElectorHome, m.Ballot, m.VoteResult, m.VoteEvent):
        register_scope(model, HangsFromVote())
    register_scope(m.DecisionRule, RuleRule())
