"""Demo owners' votes for the Jinshan demo (``load_demo``; AppConfig ``demo_loader``), entered as
the offices would have: through the services, by the demo accounts that organise them.

- yeweihui's owners' committee: a maintenance-fund use in 2025 that failed its quorum (few owners
  took part), and a vote still open now, ballots coming in — yezhu may cast theirs;
- juweihui's neighbourhood committee, in an estate of theirs with no owners' committee in office
  (else zhujing's town office in one of its estates): re-hiring the property company in 2024, passed;
- zhujing's town office, in a 朱泾镇 estate with no committee in office: a lift for one stairwell
  unit in 2025 (the 2024 rule, per unit, three quarters), passed.

Past ballots are replayed in bulk as the paper ballots the committees entered (the scans are not
part of the demo); the votes are opened and closed through the services at their own times, so
the electorate, the rule in force, the count and the seal are the platform's own. With
``homes="sample"`` (the tests) no votes are added: tests build their own.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from fangguan.accounts.models import User
from fangguan.registry.models import Home, ManagementArea, OwnersCommittee

from . import services
from .choices import Channel, Choice, Matter, ScopeKind
from .models import Ballot, Voter

SEED = 20261204
LOCAL = dt.timezone(dt.timedelta(hours=8))


def at(y, m, d, h=9) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=LOCAL)


def load(*, homes: str = "sample", out=None) -> dict[str, int]:
    if homes != "full":
        return {}
    rng = random.Random(SEED)
    users = {u.username: u for u in User.objects.filter(username__in=("yeweihui", "juweihui", "zhujing"))}
    created = 0
    committee_area = OwnersCommittee.objects.filter(
        organisation__memberships__user=users["yeweihui"]).values_list("area_id", flat=True).first()
    if committee_area:
        area = ManagementArea.objects.select_related("estate").get(pk=committee_area)
        _replay(users["yeweihui"], area, Matter.FUND_USE, "使用专项维修资金更换二次供水水泵", ScopeKind.AREA, {},
                at(2025, 5, 6), at(2025, 5, 27, 18), rng, turnout=0.42, yes=0.8)
        _open_now(users["yeweihui"], area, rng)
        created += 2
    organiser, area = users["juweihui"], _without_committee(users["juweihui"],
                                                            "estate__neighbourhood__organisation__memberships__user")
    if area is None:
        organiser, area = users["zhujing"], _without_committee(users["zhujing"],
                                                               "estate__town__organisation__memberships__user")
    if area is not None:
        _replay(organiser, area, Matter.MANAGER, "续聘现物业服务企业（2024—2027年）", ScopeKind.AREA,
                {}, at(2024, 3, 4), at(2024, 3, 25, 18), rng, turnout=0.78, yes=0.72)
        created += 1
    town = _without_committee(users["zhujing"], "estate__town__organisation__memberships__user", units=True,
                              exclude=area)
    if town is not None:
        unit = (Home.objects.filter(building__area=town).exclude(unit="").values("building_id", "unit")
                .order_by("building_id", "unit").first())
        if unit:
            _replay(users["zhujing"], town, Matter.ELEVATOR, "本单元加装电梯", ScopeKind.UNIT,
                    {"unit": {"building": unit["building_id"], "unit": unit["unit"]}},
                    at(2025, 10, 13), at(2025, 11, 3, 18), rng, turnout=0.95, yes=0.9)
            created += 1
    return {"votes": created}


def _without_committee(user, path: str, units: bool = False, exclude=None):
    """A management area the user's office reaches where no owners' committee is in office."""
    areas = ManagementArea.objects.filter(**{path: user}).exclude(
        pk__in=OwnersCommittee.objects.as_of(timezone.localdate()).values("area_id"))
    if exclude is not None:
        areas = areas.exclude(estate=exclude.estate)
    if units:
        areas = areas.filter(buildings__homes__unit__gt="")
    return areas.select_related("estate").order_by("pk").distinct().first()


def _replay(organiser, area, matter, title, kind, scope, opens, closes, rng, *, turnout: float, yes: float):
    vote = services.vote_create(actor=organiser, area=area, matter=matter, title=title, scope_kind=kind, scope=scope,
                                opens_at=opens, closes_at=closes, question=f"{title}：是否同意？")
    services.act(organiser, vote, "open", now=opens - dt.timedelta(days=1))
    _ballots(vote, organiser, rng, turnout, yes, opens, closes)
    services.act(organiser, vote, "close", now=closes)
    return vote


def _open_now(organiser, area, rng):
    now = timezone.now()
    opens = now - dt.timedelta(days=5)
    vote = services.vote_create(
        actor=organiser, area=area, matter=Matter.COMMON_PARTS, title="利用小区广告位经营（收益归全体业主）",
        question="是否同意将电梯轿厢广告位交由物业公司招租，收益纳入公共收益？", scope_kind=ScopeKind.AREA, scope={},
        opens_at=opens, closes_at=now + dt.timedelta(days=16))
    services.act(organiser, vote, "open", now=opens - dt.timedelta(hours=1))
    _ballots(vote, organiser, rng, 0.35, 0.7, opens, now - dt.timedelta(minutes=5), skip_demo_owner=True)


def _ballots(vote, organiser, rng, turnout, yes, start, end, skip_demo_owner=False):
    """The paper ballots the organiser entered over the window (bulk: the demo's history)."""
    voters = list(Voter.objects.filter(vote=vote).order_by("pk"))
    if skip_demo_owner:  # yezhu votes in the browser
        voters = [v for v in voters if not v.people.filter(person__user__username="yezhu").exists()]
    span = (end - start).total_seconds()
    rows = []
    for voter in voters:
        if rng.random() >= turnout:
            continue
        choice = Choice.YES if rng.random() < yes else rng.choice([Choice.NO, Choice.ABSTAIN])
        when = start + dt.timedelta(seconds=rng.random() * span)
        rows.append(Ballot(vote=vote, voter=voter, seq=1, choice=choice, channel=Channel.PAPER, cast_by=organiser,
                           at=when))
    Ballot.objects.bulk_create(rows, batch_size=2000)
