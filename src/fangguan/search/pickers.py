"""Search-as-you-type pickers: a form's choice among records too many for a select (issue 18).

The owners' committee member picker: the people with a right in force today in a home of the
committee's estate, matched as the top bar matches people (``kinds.person_named``: name, full
pinyin, pinyin initials — one implementation), each with their masked identity number and
their homes in that estate. Asked only by whoever may add a member to that committee
(``registry.scopes.committees_taking_members``, the committee members' own rule) and read
through the people's scope rule (``visible_to``), so the picker offers nobody its user could
not open. Identity numbers and phones are never matched here: a picker's text travels in a
GET address (the top bar's search finds people by number, by POST).

Cost: whatever the estate's size, three statements — the committee (with its estate), up to
``limit + 1`` people (``LIMIT``), their homes in the estate — besides the add check's one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from fangguan.registry import models as rm
from fangguan.registry.scopes import committees_taking_members

from .kinds import Query, person_named

LIMIT = 20
MAX_LIMIT = 50
HOMES_SHOWN = 3  # homes listed per person; more are counted


@dataclass
class Candidate:
    id: int
    name: str
    id_number_masked: str
    homes: list[str] = field(default_factory=list)
    more_homes: int = 0


@dataclass
class Candidates:
    items: list[Candidate]
    more: bool  # further matches exist: type more of the name
    identifier: bool = False  # the text looked like an identity number or a phone: not matched


def committee_for_members(user, committee_id: int) -> rm.OwnersCommittee:
    """The committee, if ``user`` may add a member to it: 404 when they cannot see it (as for a
    record that does not exist), 403 when they see it but may not add."""
    committee = (rm.OwnersCommittee.objects.visible_to(user).select_related("area")
                 .filter(pk=committee_id).first())
    if committee is None:
        raise Http404
    if not committees_taking_members(user).filter(pk=committee.pk).exists():
        raise PermissionDenied(gettext("You may not add members to this owners' committee."))
    return committee


def estate_people(user, committee: rm.OwnersCommittee):
    """The people the picker chooses from (and a posted choice is checked against): those with a
    right in force today in a home of the committee's estate, among the people ``user`` sees."""
    holders = (rm.HomeShare.objects.as_of(timezone.localdate())
               .filter(home__building__estate_id=committee.area.estate_id).values("person_id"))
    return rm.Person.objects.visible_to(user).filter(pk__in=holders)


def committee_candidates(user, committee: rm.OwnersCommittee, raw: str, *, limit: int = LIMIT) -> Candidates:
    """Up to ``limit`` people of the committee's estate matching ``raw`` (every one, in pinyin
    order, when it is empty), for a ``committee`` from ``committee_for_members``."""
    query = Query.parse(raw)
    if query.identifier:
        return Candidates([], more=False, identifier=True)
    limit = max(1, min(limit, MAX_LIMIT))
    people = estate_people(user, committee)
    if not query.empty:
        people = people.filter(person_named(query, narrowed=True))
    rows = list(people.order_by("name_pinyin", "pk").values("id", "name", "id_number_masked")[:limit + 1])
    items = {row["id"]: Candidate(row["id"], row["name"], row["id_number_masked"]) for row in rows[:limit]}
    homes = (rm.HomeShare.objects.as_of(timezone.localdate())
             .filter(person_id__in=list(items), home__building__estate_id=committee.area.estate_id)
             .order_by("person_id", "home__building__number", "home__room_number")
             .values_list("person_id", "home_id", "home__building__number", "home__room_number"))
    seen = set()
    for person_id, home_id, building, room in homes:
        if (person_id, home_id) in seen:  # two rights in one home (an owner who is also a tenant)
            continue
        seen.add((person_id, home_id))
        item = items[person_id]
        if len(item.homes) < HOMES_SHOWN:
            item.homes.append(f"{building} {room}")
        else:
            item.more_homes += 1
    return Candidates(list(items.values()), more=len(rows) > limit)
