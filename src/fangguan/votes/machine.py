"""The life of a vote in one table (``core.machine``): drafted → open → closed (or cancelled),
and the ballots cast while it is open — who may take each step, by capacity.

Capacities, what a user is to one vote: the organiser (the body that drafted it: the owners'
committee of the area, or — where there is none — the neighbourhood committee or the town
office), the staff who record paper ballots (the owners' committee and the neighbourhood
committee of the estate), an elector (an owner concerned, or the developer's representative),
the bureau, the system (the clock closes a vote when its window ends).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.roles import OWNER, grants
from fangguan.core.machine import STAY, SYSTEM, Machine, Transition

from .choices import EventKind
from .choices import Status as S

ORGANISER = "organiser"
STAFF = "staff"
ELECTOR = "elector"
BUREAU = "bureau"
CAPACITIES = (ORGANISER, STAFF, ELECTOR, BUREAU, SYSTEM)

TABLE: dict[str, Transition] = {
    "open": Transition({S.DRAFT: S.OPEN}, frozenset({ORGANISER}), EventKind.OPENED),
    "cast": Transition({S.OPEN: STAY}, frozenset({ELECTOR}), EventKind.BALLOT),
    "record_paper": Transition({S.OPEN: STAY}, frozenset({STAFF, ORGANISER}), EventKind.BALLOT),
    "close": Transition({S.OPEN: S.CLOSED}, frozenset({ORGANISER, SYSTEM}), EventKind.CLOSED),
    "cancel": Transition({S.DRAFT: S.CANCELLED, S.OPEN: S.CANCELLED}, frozenset({ORGANISER}), EventKind.CANCELLED),
}


def organiser_kinds(user, vote) -> set[str]:
    """The organisation kinds through which ``user`` acts for the place of ``vote``."""
    from fangguan.registry.models import OwnersCommittee

    found = set()
    estate = vote.estate
    committees = None
    for g in grants(user):
        if g.kind == OrgKind.OWNERS_COMMITTEE:
            if committees is None:
                committees = set(OwnersCommittee.objects.filter(area_id=vote.area_id).values_list("pk", flat=True))
            if g.committee_id in committees:
                found.add(OrgKind.OWNERS_COMMITTEE)
        elif g.kind == OrgKind.NEIGHBOURHOOD and g.neighbourhood_id == estate.neighbourhood_id:
            found.add(OrgKind.NEIGHBOURHOOD)
        elif g.kind == OrgKind.TOWN_OFFICE and g.town_id == estate.town_id:
            found.add(OrgKind.TOWN_OFFICE)
    return found


def capacities(user, vote, today=None) -> frozenset[str]:
    from .models import VoterPerson

    kinds = organiser_kinds(user, vote)
    found = set()
    if vote.organiser_kind in kinds:
        found.add(ORGANISER)
    if kinds & {OrgKind.OWNERS_COMMITTEE, OrgKind.NEIGHBOURHOOD}:
        found.add(STAFF)
    gs = grants(user)
    person = next((g.person_id for g in gs if g.kind == OWNER), None)
    if person is not None and vote.status != S.DRAFT and VoterPerson.objects.filter(vote=vote, person_id=person).exists():
        found.add(ELECTOR)
    if any(g.kind == OrgKind.BUREAU for g in gs):
        found.add(BUREAU)
    return frozenset(found)


MACHINE = Machine(
    TABLE, capacities, forbidden=_("You may not do this to this vote."),
    conflict=_("Not possible while the vote is “%(state)s”."),
)


def window_open(vote, now=None) -> bool:
    """Whether ballots are taken now: the vote is open and inside its voting window."""
    now = now or timezone.now()
    return vote.status == S.OPEN and vote.opens_at <= now < vote.closes_at
