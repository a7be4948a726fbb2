"""Owners' votes API (issue 15 contract): ``/api/v1/votes`` — draft, list, read, act
(open / close / cancel), ballots (an owner's own, or staff entering a paper one), the result.

Thin: reads through ``selectors`` (``visible_to``), writes through ``services``. A vote the
caller cannot see answers 404; a step not theirs 403, not possible now 409; bad input 422 —
each with a Chinese ``detail``, and changing nothing.
"""

import base64
import binascii
import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from fangguan.core.api import Id, InSchema, get_or_404, paginate
from fangguan.core.api import ref as _ref
from fangguan.registry.models import Building, Home, ManagementArea

from . import electorate, services
from .choices import FAMILY_OF, Choice, Matter, ScopeKind, Status
from .machine import MACHINE, STAFF
from .models import DecisionRule, Vote
from .selectors import my_ballots, result_for, rule_out, votes_for

router = Router(tags=["votes"])


class VoteUnitIn(InSchema):
    building: Id
    unit: str = Field(min_length=1, max_length=10)


class VoteScopeIn(InSchema):
    """Exactly one of: the management ``area``; some ``buildings``; one stairwell ``unit``; ``homes``."""

    area: Id | None = None
    buildings: list[Id] | None = Field(None, min_length=1, max_length=200)
    unit: VoteUnitIn | None = None
    homes: list[Id] | None = Field(None, min_length=1, max_length=20000)


class VoteIn(InSchema):
    matter: Literal[tuple(Matter.values)]  # type: ignore[valid-type]
    title: str = Field(min_length=1, max_length=200)
    question: str = Field("", max_length=2000)
    options: list[str] | None = Field(None, min_length=3, max_length=3)
    scope: VoteScopeIn
    opens_at: dt.datetime
    closes_at: dt.datetime
    hide_interim: bool = True


class VoteRuleOut(Schema):
    quorum_area: str
    quorum_owners: str
    approval_area: str
    approval_owners: str
    strict: bool
    basis: str
    effective_from: dt.date


class VoteElectorate(Schema):
    homes: int
    area_m2: str
    owners: int


class VoteRefOut(Schema):
    id: int
    name: str


class VoteOut(Schema):
    id: int
    status: str
    status_label: str
    estate: VoteRefOut
    area: VoteRefOut
    matter: str
    matter_label: str
    title: str
    question: str
    options: list[str]
    scope_kind: str
    scope: dict
    opens_at: dt.datetime
    closes_at: dt.datetime
    hide_interim: bool
    organiser_kind: str
    rule: VoteRuleOut | None
    electorate: VoteElectorate
    electorate_digest: str
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    actions: list[str]


class VotePage(Schema):
    count: int
    items: list[VoteOut]


class VoteBallotIn(InSchema):
    choice: Literal["yes", "no", "abstain"]
    home: Id | None = Field(None, description="for staff entering a paper ballot, or an owner of several homes")
    paper_scan: str | None = Field(None, description="the scan of the signed paper ballot: base64 (JPEG or PNG)",
                                   max_length=2_000_000)


class VoteBallotOut(Schema):
    id: int
    vote: int
    seq: int
    choice: str
    channel: str
    at: dt.datetime


class VoteTally(Schema):
    area_m2: str
    owners: int


class VoteResultOut(Schema):
    status: str
    eligible: VoteTally
    participating: VoteTally | None
    yes: VoteTally | None
    no: VoteTally | None
    abstain: VoteTally | None
    quorum_met: bool | None
    passed: bool | None
    rule: VoteRuleOut | None
    digest: str | None
    by_building: list[dict] | None = None


class VoteActionIn(InSchema):
    action: Literal["open", "close", "cancel"]
    reason: str = Field("", max_length=500)


def out(user, vote: Vote) -> dict:
    rule = vote.rule or DecisionRule.objects.in_force(FAMILY_OF[vote.matter], timezone.localdate())
    if vote.status == Status.DRAFT:
        figures = electorate.preview(vote, timezone.localdate())
    else:
        figures = {"homes": vote.elector_homes or 0, "area_m2": vote.elector_area_m2 or Decimal("0.00"),
                   "owners": vote.elector_owners or 0}
    return {
        "id": vote.pk, "status": vote.status, "status_label": vote.get_status_display(), "estate": _ref(vote.estate),
        "area": _ref(vote.area), "matter": vote.matter, "matter_label": vote.get_matter_display(),
        "title": vote.title, "question": vote.question, "options": vote.options, "scope_kind": vote.scope_kind,
        "scope": vote.scope, "opens_at": vote.opens_at, "closes_at": vote.closes_at, "hide_interim": vote.hide_interim,
        "organiser_kind": vote.organiser_kind, "rule": rule_out(rule),
        "electorate": {**figures, "area_m2": str(figures["area_m2"])}, "electorate_digest": vote.electorate_digest,
        "opened_at": vote.opened_at, "closed_at": vote.closed_at, "actions": MACHINE.allowed(user, vote),
    }


def _area_of(user, scope: VoteScopeIn) -> tuple[ManagementArea, str, dict]:
    """The management area, scope kind and scope named by ``scope`` (ids resolved through the
    caller's scope: a hidden id reads as a missing one)."""
    given = [k for k in ("area", "buildings", "unit", "homes") if getattr(scope, k) is not None]
    if len(given) != 1:
        raise ValidationError({"scope": [_("Give exactly one of area, buildings, unit or homes.")]})
    kind = given[0]
    if kind == "area":
        area = ManagementArea.objects.visible_to(user).filter(pk=scope.area).select_related("estate").first()
        data = {}
    elif kind == "buildings":
        first = Building.objects.visible_to(user).filter(pk=scope.buildings[0]).first()
        area, data = (first.area if first else None), {"buildings": scope.buildings}
    elif kind == "unit":
        building = Building.objects.visible_to(user).filter(pk=scope.unit.building).first()
        area, data = (building.area if building else None), {"unit": {"building": scope.unit.building,
                                                                        "unit": scope.unit.unit}}
    else:
        home = Home.objects.visible_to(user).filter(pk=scope.homes[0]).select_related("building__area").first()
        area, data = (home.building.area if home else None), {"homes": scope.homes}
    if area is None:
        raise ValidationError({"scope": [_("No such management area, building or home.")]})
    return area, {"area": ScopeKind.AREA, "buildings": ScopeKind.BUILDINGS, "unit": ScopeKind.UNIT,
                  "homes": ScopeKind.HOMES}[kind], data


@router.post("", response={201: VoteOut}, operation_id="votes_create", summary="Draft a vote")
def create(request, payload: VoteIn):
    area, kind, scope = _area_of(request.user, payload.scope)
    vote = services.vote_create(
        actor=request.user, area=area, matter=payload.matter, title=payload.title, question=payload.question,
        options=payload.options, scope_kind=kind, scope=scope, opens_at=payload.opens_at,
        closes_at=payload.closes_at, hide_interim=payload.hide_interim)
    return 201, out(request.user, vote)


@router.get("", response=VotePage, operation_id="votes_list", summary="Votes you may see")
def list_votes(request, status: Literal[tuple(Status.values)] | None = None,  # type: ignore[valid-type]
               estate: Id | None = None, limit: int | None = None, offset: int | None = None):
    count, items = paginate(votes_for(request.user, status=status, estate=estate), limit, offset)
    return {"count": count, "items": [out(request.user, v) for v in items]}


def _vote(request, vote_id: int) -> Vote:
    return get_or_404(Vote.objects.visible_to(request.user).select_related("estate", "area", "rule"), vote_id)


@router.get("/{int:vote_id}", response=VoteOut, operation_id="votes_get", summary="One vote")
def get_vote(request, vote_id: int):
    return out(request.user, _vote(request, vote_id))


@router.post("/{int:vote_id}/actions", response={200: VoteOut}, operation_id="votes_act",
             summary="Open, close or cancel a vote")
def act(request, vote_id: int, payload: VoteActionIn):
    vote = services.act(request.user, _vote(request, vote_id), payload.action, reason=payload.reason)
    return 200, out(request.user, vote)


def _scan(value: str | None):
    if not value:
        return None
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"paper_scan": [_("The scan is not valid base64.")]}) from None
    return ContentFile(raw, name="ballot-scan")


@router.post("/{int:vote_id}/ballots", response={201: VoteBallotOut}, operation_id="votes_ballot",
             summary="Cast your ballot, or enter a paper ballot for a home")
def ballot(request, vote_id: int, payload: VoteBallotIn):
    """An owner casts (or changes) their own ballot; committee or neighbourhood staff enter a
    paper ballot for ``home`` with its ``paper_scan``."""
    vote = _vote(request, vote_id)
    paper = payload.paper_scan is not None or (payload.home is not None and
                                               STAFF in MACHINE.capacities_of(request.user, vote))
    if paper:
        vote = services.act(request.user, vote, "record_paper", choice=payload.choice, home=payload.home,
                            scan=_scan(payload.paper_scan))
    else:
        vote = services.act(request.user, vote, "cast", choice=payload.choice, home=payload.home)
    b = vote.recorded_ballot
    return 201, {"id": b.pk, "vote": vote.pk, "seq": b.seq, "choice": b.choice, "channel": b.channel, "at": b.at}


@router.get("/{int:vote_id}/result", response=VoteResultOut, operation_id="votes_result", summary="The result")
def result(request, vote_id: int):
    """Before the close: participation only (and the running totals if not hidden); after it,
    the sealed figures and their digest."""
    return result_for(request.user, _vote(request, vote_id))


@router.get("/{int:vote_id}/mine", response=list[dict], operation_id="votes_mine", summary="My ballots")
def mine(request, vote_id: int):
    vote = _vote(request, vote_id)
    return [{"homes": [eh.home_id for eh in m["homes"]],
             "ballots": [{"seq": b.seq, "choice": b.choice, "channel": b.channel, "at": b.at.isoformat()}
                         for b in m["ballots"]]} for m in my_ballots(request.user, vote)]


assert Choice.values == ["yes", "no", "abstain"]
