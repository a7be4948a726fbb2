"""The electorate frozen at opening, counted as the SPC interpretation (Arts. 8–9) says, on the
hand-built estate of conftest.py; the expectations are written out there by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fangguan.registry import models as rm
from fangguan.votes import electorate, services
from fangguan.votes.models import ElectorHome, Voter, VoterPerson

pytestmark = pytest.mark.django_db


def owners_of(vote):
    return {v.key: (v.kind, v.homes, v.area_m2) for v in Voter.objects.filter(vote=vote)}


def test_the_whole_area_counts_each_owner_once_and_the_developer_once(world):
    vote = world.vote()
    assert (vote.elector_homes, vote.elector_area_m2, vote.elector_owners) == (9, Decimal("710.00"), 7)
    p = world.people
    found = owners_of(vote)
    assert found == {
        f"o:{p['Ann'].pk}": ("person", 2, Decimal("120.00")),
        f"o:{min(p['Bo'].pk, p['Cy'].pk)},{max(p['Bo'].pk, p['Cy'].pk)}": ("joint", 1, Decimal("80.00")),
        f"o:{p['Dee'].pk}": ("person", 1, Decimal("100.00")),
        "d": ("developer", 2, Decimal("150.00")),  # 201 unsold + 202 still the developer's
        f"o:{p['East Co.'].pk}": ("organisation", 1, Decimal("120.00")),
        f"o:{p['Fay'].pk}": ("person", 1, Decimal("75.50")),
        f"o:{p['Gus'].pk}": ("person", 1, Decimal("64.50")),
    }
    # who may cast each ballot: each co-owner, the developer's representative
    joint = Voter.objects.get(vote=vote, kind="joint")
    assert set(VoterPerson.objects.filter(voter=joint).values_list("person_id", flat=True)) == {p["Bo"].pk, p["Cy"].pk}
    developer = Voter.objects.get(vote=vote, key="d")
    assert list(VoterPerson.objects.filter(voter=developer).values_list("person_id", flat=True)) == [world.developer.pk]


def test_one_stairwell_unit_some_buildings_or_listed_homes(world):
    unit = world.vote(matter="elevator", scope_kind="unit", scope={"unit": {"building": world.b1.pk, "unit": "1"}})
    assert (unit.elector_homes, unit.elector_area_m2, unit.elector_owners) == (4, Decimal("300.00"), 3)
    building = world.vote(scope_kind="buildings", scope={"buildings": [world.b2.pk]})
    assert (building.elector_homes, building.elector_area_m2, building.elector_owners) == (2, Decimal("140.00"), 2)
    listed = world.vote(scope_kind="homes", scope={"homes": [world.homes["101"].pk, world.homes["201"].pk]})
    assert (listed.elector_homes, listed.elector_area_m2, listed.elector_owners) == (2, Decimal("140.00"), 2)


def test_the_electorate_is_the_registry_on_the_opening_day_and_stays_frozen(world):
    vote = world.vote()
    before = list(ElectorHome.objects.filter(vote=vote).values_list("home_id", "area_m2", "voter__key"))
    digest = vote.electorate_digest
    # the home changes hands and its area is corrected after the opening: the vote is not affected
    share = rm.HomeShare.objects.get(home=world.homes["104"])
    share.until = timezone.localdate()
    share.save()
    rm.HomeShare.objects.create(home=world.homes["104"], person=world.people["Gus"], since=timezone.localdate())
    rm.Home.objects.filter(pk=world.homes["104"].pk).update(area_m2=Decimal("99.00"))
    assert list(ElectorHome.objects.filter(vote=vote).values_list("home_id", "area_m2", "voter__key")) == before
    assert electorate.digest(vote) == digest
    # a vote opened now sees the change: Gus holds two homes and counts once
    later = world.vote()
    assert later.elector_owners == 6 and later.elector_area_m2 == Decimal("709.00")


def test_the_digest_is_the_homes_their_areas_and_owners_in_order(world):
    import hashlib

    vote = world.vote()
    lines = "".join(f"{h}|{a}|{k}\n" for h, a, k in ElectorHome.objects.filter(vote=vote).order_by("home_id")
                    .values_list("home_id", "area_m2", "voter__key"))
    assert vote.electorate_digest == hashlib.sha256(lines.encode()).hexdigest()


def test_a_draft_previews_the_electorate_without_freezing_it(world):
    vote = world.vote(open_it=False)
    assert electorate.preview(vote, timezone.localdate()) == {"homes": 9, "area_m2": Decimal("710.00"), "owners": 7}
    assert not Voter.objects.filter(vote=vote).exists()
    assert vote.status == "draft" and vote.rule is None
    services.act(world.member, vote, "open", now=timezone.now() - dt.timedelta(minutes=1))
    vote.refresh_from_db()
    assert vote.status == "open" and vote.rule.family == "ordinary" and Voter.objects.filter(vote=vote).count() == 7
