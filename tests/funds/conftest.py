"""A hand-built estate for the fund, on the session's demo towns: one management area with an
owners' committee, building 1 with a lift (unit 1: 101 50.00 ㎡ Ann, 102 70.00 Ann, 103 80.00 Bo;
unit 2: 201 100.00 Dee) and building 2 without (301 75.50 Fay, 302 64.50 Gus) — 440.00 ㎡ in all —,
and an account for every role: the bureau, the town office of its town and of another town, the
neighbourhood committee, the serving company, the committee's member, a bookkeeping firm engaged
by the estate and one engaged by another, owners of the estate and an owner elsewhere, an auditor,
an IT administrator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.models import Membership, Organisation, User
from fangguan.core.actors import system_actor
from fangguan.funds import services
from fangguan.funds.models import Account, Engagement
from fangguan.registry import models as rm
from fangguan.registry.choices import PersonKind
from fangguan.registry.demo import DEMO_PASSWORD

DELIVERED = dt.date(2015, 6, 1)


@dataclass
class World:
    estate: rm.Estate
    area: rm.ManagementArea
    b1: rm.Building
    b2: rm.Building
    homes: dict
    people: dict
    users: dict
    other_estate: rm.Estate

    def account(self, room: str) -> Account:
        return Account.objects.get(home=self.homes[room])

    @property
    def bank(self) -> Account:
        return services.bank_of(self.estate.pk)

    @property
    def revenue(self) -> Account:
        return Account.objects.get(area=self.area, kind="revenue")


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


def build_world(*, deposits: bool = True) -> World:
    town = rm.Town.objects.order_by("pk").first()
    neighbourhood = rm.Neighbourhood.objects.filter(town=town).order_by("pk").first()
    estate = rm.Estate.objects.create(code="FD-001", name="维修资金测试小区", town=town, neighbourhood=neighbourhood,
                                      estate_type="commercial", floor_area_m2=Decimal("440.00"), delivered_on=DELIVERED)
    area = rm.ManagementArea.objects.create(estate=estate, code="FD-001-A", name="维修资金测试小区")
    committee = rm.OwnersCommittee.objects.create(area=area, name="维修资金测试小区业委会", established_on=DELIVERED)
    b1 = rm.Building.objects.create(estate=estate, area=area, number="1", floors=12, units=2, has_elevator=True)
    b2 = rm.Building.objects.create(estate=estate, area=area, number="2", floors=6)
    spec = [("101", b1, "1", "50.00"), ("102", b1, "1", "70.00"), ("103", b1, "1", "80.00"),
            ("201", b1, "2", "100.00"), ("301", b2, "1", "75.50"), ("302", b2, "1", "64.50")]
    homes = {room: rm.Home.objects.create(building=b, unit=unit, room_number=room, floor=int(room[0]),
                                          area_m2=Decimal(a)) for room, b, unit, a in spec}
    people = {n: rm.Person.objects.create(kind=PersonKind.NATURAL, name=n) for n in ("Ann", "Bo", "Dee", "Fay", "Gus")}
    for room, name in [("101", "Ann"), ("102", "Ann"), ("103", "Bo"), ("201", "Dee"), ("301", "Fay"), ("302", "Gus")]:
        rm.HomeShare.objects.create(home=homes[room], person=people[name], share_percent=Decimal("100"), since=DELIVERED)
    other = (rm.Estate.objects.exclude(town=town).filter(buildings__homes__isnull=False).order_by("pk").first())

    def org(name, kind, **link):
        return Organisation.objects.create(name=name, kind=kind, **link)

    firm = org("金山测试代理记账有限公司", OrgKind.BOOKKEEPER)
    other_firm = org("另一家代理记账公司", OrgKind.BOOKKEEPER)
    Engagement.objects.create(firm=firm, estate=estate, since=DELIVERED)
    Engagement.objects.create(firm=other_firm, estate=other, since=DELIVERED)
    company = rm.Company.objects.order_by("pk").first()
    users = {
        "bureau": _user("fd-bureau", org=org("房管局", OrgKind.BUREAU), role=Role.BUREAU_OFFICER),
        "town": _user("fd-town", org=org("镇房办", OrgKind.TOWN_OFFICE, town=town), role=Role.TOWN_OFFICER),
        "other_town": _user("fd-town2", org=org("他镇房办", OrgKind.TOWN_OFFICE, town=other.town), role=Role.TOWN_OFFICER),
        "neighbourhood": _user("fd-jwh", org=org("居委", OrgKind.NEIGHBOURHOOD, neighbourhood=neighbourhood),
                               role=Role.COMMUNITY_WORKER),
        "company": _user("fd-wuye", org=org("物业", OrgKind.COMPANY, company=company), role=Role.COMPANY_MANAGER),
        "committee": _user("fd-ywh", org=org("业委会", OrgKind.OWNERS_COMMITTEE, owners_committee=committee),
                           role=Role.COMMITTEE_MEMBER),
        "bookkeeper": _user("fd-dljz", org=firm, role=Role.BOOKKEEPER),
        "other_bookkeeper": _user("fd-dljz2", org=other_firm, role=Role.BOOKKEEPER),
        "auditor": _user("fd-audit", org=org("审计", OrgKind.AUDIT), role=Role.AUDITOR),
        "it": _user("fd-it", org=org("信息中心", OrgKind.IT), role=Role.SYSTEM_ADMIN),
        "ann": _user("fd-ann", person=people["Ann"]),
        "fay": _user("fd-fay", person=people["Fay"]),
    }
    outsider = rm.Person.objects.create(name="Out")
    other_home = rm.Home.objects.filter(building__estate=other).order_by("pk").first()
    rm.HomeShare.objects.create(home=other_home, person=outsider, share_percent=Decimal("100"), since=DELIVERED)
    users["outsider"] = _user("fd-out", person=outsider)
    world = World(estate=estate, area=area, b1=b1, b2=b2, homes=homes, people=people, users=users, other_estate=other)
    system = system_actor()
    services.accounts_open(actor=system, estate=estate)
    services.accounts_open(actor=system, estate=other)
    if deposits:
        for room in homes:
            services.initial_deposit(actor=system, account=world.account(room))
    return world


@pytest.fixture
def world(db):
    return build_world()


ROLES = ["bureau", "town", "other_town", "neighbourhood", "company", "committee", "bookkeeper", "other_bookkeeper",
         "auditor", "it", "ann", "fay", "outsider"]
