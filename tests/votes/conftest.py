"""A hand-built estate for owners' votes, on top of the session's demo towns: one management area
with an owners' committee (and its member's account), two buildings, and owners of every kind
the counting rules name (SPC interpretation Arts. 8–9):

  building 1, unit 1: 101 Ann (50.00) · 102 Ann (70.00)      — one owner with two homes
                      103 Bo + Cy (80.00)                   — co-owners of one home
                      104 Dee (100.00)                       — one owner
  building 1, unit 2: 201 (90.00, nobody owns it yet)        — the developer's, unsold
                      202 (60.00, the developer owns it)     — the developer's
                      203 East Co. (120.00)                  — an organisation owner
  building 2, unit 1: 301 Fay (75.50) · 302 Gus (64.50)

So the whole area has 9 homes, 710.00 ㎡ and 7 owners (Ann, Bo+Cy, Dee, the developer, East
Co., Fay, Gus); unit 1 of building 1 has 4 homes, 300.00 ㎡ and 3 owners."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.models import Membership, Organisation, User
from fangguan.registry import models as rm
from fangguan.registry.choices import PersonKind
from fangguan.registry.demo import DEMO_PASSWORD
from fangguan.votes import services

SINCE = dt.date(2020, 6, 1)


@dataclass
class World:
    estate: rm.Estate
    area: rm.ManagementArea
    b1: rm.Building
    b2: rm.Building
    homes: dict
    people: dict
    developer: rm.Person
    member: User  # of the owners' committee: organises, enters paper ballots
    owners: dict  # person name -> user account (Ann, Bo, Cy, Dee, Fay)
    outsider: User  # an owner in another estate

    def vote(self, *, matter="manager", scope_kind="area", scope=None, opens=None, closes=None, open_it=True,
             **kw):
        now = timezone.now()
        vote = services.vote_create(actor=self.member, area=self.area, matter=matter, title=kw.pop("title", "续聘物业"),
                                    scope_kind=scope_kind, scope=scope or {}, opens_at=opens or now - dt.timedelta(hours=1),
                                    closes_at=closes or now + dt.timedelta(days=7), **kw)
        if open_it:
            vote = services.act(self.member, vote, "open")
        return vote


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=DEMO_PASSWORD)
    return client


def _user(name, person=None, org=None, role=None):
    user = User.objects.create_user(username=name, password=DEMO_PASSWORD, display_name=name)
    if person is not None:
        rm.Person.objects.filter(pk=person.pk).update(user=user)
    if org is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def world(db):
    town = rm.Town.objects.order_by("pk").first()
    developer = rm.Person.objects.create(kind=PersonKind.ORGANISATION, name="金山测试房地产开发有限公司")
    neighbourhood = rm.Neighbourhood.objects.filter(town=town).order_by("pk").first()
    estate = rm.Estate.objects.create(code="VT-001", name="表决测试小区", town=town, neighbourhood=neighbourhood,
                                      estate_type="commercial",
                                      floor_area_m2=Decimal("710.00"), delivered_on=SINCE, developer=developer)
    area = rm.ManagementArea.objects.create(estate=estate, code="VT-001-A", name="表决测试小区")
    committee = rm.OwnersCommittee.objects.create(area=area, name="表决测试小区业委会", established_on=SINCE)
    b1 = rm.Building.objects.create(estate=estate, area=area, number="1", floors=6, units=2)
    b2 = rm.Building.objects.create(estate=estate, area=area, number="2", floors=6)
    spec = [("101", b1, "1", "50.00"), ("102", b1, "1", "70.00"), ("103", b1, "1", "80.00"),
            ("104", b1, "1", "100.00"), ("201", b1, "2", "90.00"), ("202", b1, "2", "60.00"),
            ("203", b1, "2", "120.00"), ("301", b2, "1", "75.50"), ("302", b2, "1", "64.50")]
    homes = {room: rm.Home.objects.create(building=b, unit=unit, room_number=room, floor=int(room[0]),
                                          area_m2=Decimal(area_m2)) for room, b, unit, area_m2 in spec}
    people = {name: rm.Person.objects.create(kind=kind, name=name) for name, kind in [
        ("Ann", "natural"), ("Bo", "natural"), ("Cy", "natural"), ("Dee", "natural"),
        ("East Co.", "organisation"), ("Fay", "natural"), ("Gus", "natural")]}

    def own(room, name, percent="100"):
        person = developer if name == "developer" else people[name]
        rm.HomeShare.objects.create(home=homes[room], person=person, share_percent=Decimal(percent), since=SINCE)

    for room, name in [("101", "Ann"), ("102", "Ann"), ("104", "Dee"), ("202", "developer"), ("203", "East Co."),
                       ("301", "Fay"), ("302", "Gus")]:
        own(room, name)
    own("103", "Bo", "50")
    own("103", "Cy", "50")
    org = Organisation.objects.create(name=committee.name, kind=OrgKind.OWNERS_COMMITTEE, owners_committee=committee)
    member = _user("vt-member", org=org, role=Role.COMMITTEE_MEMBER)
    owners = {name: _user(f"vt-{name.lower()}", person=people[name]) for name in ("Ann", "Bo", "Cy", "Dee", "Fay")}
    other_home = rm.Home.objects.exclude(building__estate=estate).filter(shares__kind="owner").first()
    outsider = _user("vt-outsider", person=rm.Person.objects.create(name="Out"))
    rm.HomeShare.objects.create(home=other_home, person=outsider.person, share_percent=Decimal("0.01"), since=SINCE)
    return World(estate=estate, area=area, b1=b1, b2=b2, homes=homes, people=people, developer=developer,
                 member=member, owners=owners, outsider=outsider)
