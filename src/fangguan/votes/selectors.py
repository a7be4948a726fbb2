"""Reads of owners' votes: the tallies, participation by building, the notice, an owner's own
ballots — each saying only what its reader may know.

While a vote is open, nobody learns how anyone voted: staff see who took part (by building, and
home by home on the notice), owners their own ballot; the running totals by choice only where
the organiser chose not to hide them. After the close everyone concerned gets the result; the
choices of each owner go to the organiser and the bureau (``VOTES_DISCLOSE_CHOICES`` may add
the owners concerned).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Length

from .choices import Choice, Status
from .counting import Tally
from .models import Ballot, ElectorHome, Vote, Voter, VoterPerson

ZERO = Decimal("0.00")


def latest_ballots(vote: Vote, cutoff: dt.datetime):
    """Each owner's latest ballot taken before ``cutoff``."""
    newest = Ballot.objects.filter(voter=OuterRef("voter"), at__lt=cutoff).order_by("-seq").values("seq")[:1]
    return Ballot.objects.filter(vote=vote, at__lt=cutoff, seq=Subquery(newest))


def tallies(vote: Vote, cutoff: dt.datetime) -> dict[str, Tally]:
    """Area and owners by choice, each owner counted once with all their homes' area."""
    rows = latest_ballots(vote, cutoff).values("choice").annotate(area=Sum("voter__area_m2"), owners=Count("voter"))
    found = {r["choice"]: Tally((r["area"] or ZERO).quantize(Decimal("0.01")), r["owners"]) for r in rows}
    return {c: found.get(c, Tally()) for c in Choice.values}


def participation(vote: Vote, cutoff: dt.datetime | None = None) -> Tally:
    t = tallies(vote, cutoff or vote.closes_at)
    return t[Choice.YES] + t[Choice.NO] + t[Choice.ABSTAIN]


def by_building(vote: Vote) -> list[dict]:
    """Homes and area concerned and taking part, per building (how a campaign is steered)."""
    voted = Ballot.objects.filter(voter=OuterRef("voter"), at__lt=vote.closes_at)
    rows = (ElectorHome.objects.filter(vote=vote).annotate(voted=Exists(voted))
            .values("building_id", "building__number").order_by(Length("building__number"), "building__number")
            .annotate(homes=Count("pk"), area=Sum("area_m2"), homes_voted=Count("pk", filter=Q(voted=True)),
                      area_voted=Sum("area_m2", filter=Q(voted=True))))
    cents = Decimal("0.01")
    return [{"building": {"id": r["building_id"], "number": r["building__number"]}, "homes": r["homes"],
             "area_m2": (r["area"] or ZERO).quantize(cents), "homes_voted": r["homes_voted"],
             "area_voted_m2": (r["area_voted"] or ZERO).quantize(cents)} for r in rows]


def turnout(vote: Vote) -> list[dict]:
    """Every home concerned and whether its owner voted — not how (the notice board's list)."""
    voted = Ballot.objects.filter(voter=OuterRef("voter"), at__lt=vote.closes_at)
    rows = (ElectorHome.objects.filter(vote=vote).annotate(voted=Exists(voted))
            .select_related("home", "building").order_by(Length("building__number"), "building__number",
                                                         "home__room_number"))
    return [{"home": eh.home_id, "building": eh.building.number, "room": eh.home.room_number, "area_m2": eh.area_m2,
             "voted": eh.voted} for eh in rows]


def may_see_choices(user, vote: Vote) -> bool:
    """How each owner voted: only after the close, to the organiser and the bureau (and, by the
    setting ``VOTES_DISCLOSE_CHOICES = "electors"``, to the owners concerned)."""
    from .machine import BUREAU, ELECTOR, MACHINE, ORGANISER

    if vote.status != Status.CLOSED:
        return False
    caps = MACHINE.capacities_of(user, vote)
    if caps & {ORGANISER, BUREAU}:
        return True
    return getattr(settings, "VOTES_DISCLOSE_CHOICES", "") == "electors" and ELECTOR in caps


def choices(vote: Vote) -> list[dict]:
    """Each owner's counted ballot (for those ``may_see_choices``)."""
    rows = latest_ballots(vote, vote.closes_at).select_related("voter").order_by("voter__key")
    return [{"voter": b.voter.key, "homes": b.voter.homes, "area_m2": b.voter.area_m2, "choice": b.choice,
             "channel": b.channel, "at": b.at} for b in rows]


def my_ballots(user, vote: Vote) -> list[dict]:
    """The owners ``user`` votes as in ``vote`` (usually one), their homes, and their ballots
    (latest first) — an owner sees their own choice at any time."""
    from fangguan.accounts.roles import OWNER, grants

    person = next((g.person_id for g in grants(user) if g.kind == OWNER), None)
    if person is None:
        return []
    voters = Voter.objects.filter(pk__in=VoterPerson.objects.filter(vote=vote, person_id=person).values("voter_id"))
    out = []
    for voter in voters.order_by("pk"):
        homes = list(ElectorHome.objects.filter(voter=voter).select_related("home__building").order_by("home_id"))
        ballots = list(Ballot.objects.filter(voter=voter).order_by("-seq"))
        out.append({"voter": voter, "homes": homes, "ballots": ballots, "current": ballots[0] if ballots else None})
    return out


def result_for(user, vote: Vote) -> dict:
    """``GET /votes/{id}/result``: after the close, the sealed figures; before, participation
    only — unless the organiser chose to show interim results."""
    from .machine import BUREAU, MACHINE, ORGANISER, STAFF

    def tally(t: Tally) -> dict:
        return {"area_m2": str(t.area), "owners": t.owners}

    rule = vote.rule
    out = {"status": vote.status, "rule": rule_out(rule), "digest": None, "quorum_met": None, "passed": None,
           "eligible": tally(Tally(vote.elector_area_m2 or ZERO, vote.elector_owners or 0)),
           "participating": None, "yes": None, "no": None, "abstain": None}
    if vote.status == Status.CLOSED:
        r = vote.result
        out.update({
            "eligible": tally(Tally(r.eligible_area_m2, r.eligible_owners)),
            "participating": tally(Tally(r.participating_area_m2, r.participating_owners)),
            "yes": tally(Tally(r.yes_area_m2, r.yes_owners)), "no": tally(Tally(r.no_area_m2, r.no_owners)),
            "abstain": tally(Tally(r.abstain_area_m2, r.abstain_owners)),
            "quorum_met": r.quorum_met, "passed": r.passed, "digest": r.digest,
        })
        return out
    if vote.status == Status.OPEN:
        by_choice = tallies(vote, vote.closes_at)
        out["participating"] = tally(by_choice[Choice.YES] + by_choice[Choice.NO] + by_choice[Choice.ABSTAIN])
        if not vote.hide_interim:
            out.update({c: tally(by_choice[c]) for c in Choice.values})
        if MACHINE.capacities_of(user, vote) & {ORGANISER, STAFF, BUREAU}:
            out["by_building"] = [{**b, "area_m2": str(b["area_m2"]), "area_voted_m2": str(b["area_voted_m2"])}
                                  for b in by_building(vote)]
    return out


def rule_out(rule) -> dict | None:
    if rule is None:
        return None
    return {"quorum_area": rule.quorum_area, "quorum_owners": rule.quorum_owners, "approval_area": rule.approval_area,
            "approval_owners": rule.approval_owners, "strict": rule.approval_strict, "basis": rule.basis,
            "effective_from": rule.effective_from.isoformat()}


def votes_for(user, *, status: str | None = None, estate: int | None = None):
    qs = Vote.objects.visible_to(user).select_related("estate", "area", "rule")
    if status:
        qs = qs.filter(status=status)
    if estate:
        qs = qs.filter(estate_id=estate)
    return qs.order_by("-opens_at", "-pk")


def notice_rows(vote: Vote) -> tuple[list[str], list[list]]:
    """The notice as a table: the figures first, then every home with whether its owner voted."""
    from django.utils.translation import gettext as _

    r = vote.result
    rule = vote.rule
    headers = [_("building"), _("room"), _("exclusive area (㎡)"), _("voted")]
    rows: list[list] = [
        [_("vote"), vote.title, "", ""],
        [_("rule"), f"{rule.quorum_area} / {rule.quorum_owners} → {rule.approval_area} / {rule.approval_owners}",
         rule.basis, ""],
        [_("eligible"), "", str(r.eligible_area_m2), r.eligible_owners],
        [_("participating"), "", str(r.participating_area_m2), r.participating_owners],
        [_("yes"), "", str(r.yes_area_m2), r.yes_owners],
        [_("no"), "", str(r.no_area_m2), r.no_owners],
        [_("abstain"), "", str(r.abstain_area_m2), r.abstain_owners],
        [_("quorum met"), _("yes") if r.quorum_met else _("no"), _("passed"), _("yes") if r.passed else _("no")],
        [_("digest"), r.digest, "", ""],
        ["", "", "", ""],
    ]
    rows += [[h["building"], h["room"], str(h["area_m2"]), _("voted") if h["voted"] else _("did not vote")]
             for h in turnout(vote)]
    return headers, rows


@dataclass(frozen=True)
class Decision:
    """What the owners decided, as every other module asks it (a fund use, a lift, hiring a
    company): never recounted elsewhere."""

    vote: int
    matter: str
    passed: bool
    quorum_met: bool
    closed_at: dt.datetime
    digest: str
    homes: frozenset[int]  # the homes concerned (e.g. those that pay for a repair)


def decided(vote: Vote | int) -> Decision | None:
    """The decision of a closed vote; None while it is a draft, open or cancelled."""
    vote = vote if isinstance(vote, Vote) else Vote.objects.filter(pk=vote).first()
    if vote is None or vote.status != Status.CLOSED:
        return None
    result = vote.result
    return Decision(vote=vote.pk, matter=vote.matter, passed=result.passed, quorum_met=result.quorum_met,
                    closed_at=vote.closed_at, digest=result.digest,
                    homes=frozenset(ElectorHome.objects.filter(vote=vote).values_list("home_id", flat=True)))
