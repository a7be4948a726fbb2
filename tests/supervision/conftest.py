"""A hand-built town for supervision, on top of the session's demo: two estates (north: 10
homes served by North Co.; south: 30 homes served by South Co.), their town office, neighbourhood
committee and owners' committee, the bureau, each company's manager and technician, a resident
of each estate, an auditor and an IT administrator; the north estate has a developer with an
account (handovers).

Credit-code check characters come from ``stdnum`` so the registry accepts them."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from stdnum.cn import uscc

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.models import Membership, Organisation, User
from fangguan.registry import models as rm
from fangguan.registry.demo import DEMO_PASSWORD
from fangguan.repairs.deadlines import LOCAL

SINCE = dt.date(2020, 1, 1)


def at(y, mo, d, h=10, mi=0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=LOCAL)


def credit_code(n: int) -> str:
    body = f"91310116MA1{n:06d}"
    return body + uscc.calc_check_digit(body)


def make_user(username, org=None, role=None, person=None):
    user = User.objects.create_user(username=username, password=DEMO_PASSWORD, display_name=username)
    if org is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
    if person is not None:
        rm.Person.objects.filter(pk=person.pk).update(user=user)
    return user


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=DEMO_PASSWORD)
    return client


def png_upload(name="photo.png") -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@dataclass
class World:
    town: rm.Town
    north: rm.Estate
    south: rm.Estate
    north_co: rm.Company
    south_co: rm.Company
    users: dict  # role name -> user

    def __getattr__(self, name):
        try:
            return self.users[name]
        except KeyError:
            raise AttributeError(name) from None


def _estate(town, hood, code, homes: int, developer=None):
    estate = rm.Estate.objects.create(code=code, name=f"监管{code}", town=town, neighbourhood=hood,
                                      estate_type="commercial", floor_area_m2=Decimal("1000.00"),
                                      delivered_on=SINCE, developer=developer)
    area = rm.ManagementArea.objects.create(estate=estate, code=f"{code}-A", name=estate.name)
    building = rm.Building.objects.create(estate=estate, area=area, number="1", floors=10)
    for n in range(homes):
        rm.Home.objects.create(building=building, unit="1", room_number=f"{n + 101}", floor=1 + n // 4,
                               area_m2=Decimal("80.00"))
    return estate, area


@pytest.fixture
def world(db) -> World:
    town = rm.Town.objects.create(code="SVTOWN", name="监管测试镇", sort_order=99)
    hood = rm.Neighbourhood.objects.create(town=town, code="SVHOOD", name="监管测试居委会")
    developer = rm.Person.objects.create(kind="organisation", name="监管测试开发公司")
    north, north_area = _estate(town, hood, "SV-N", 10, developer=developer)
    south, south_area = _estate(town, hood, "SV-S", 30)
    north_co = rm.Company.objects.create(name="北物业", credit_code=credit_code(1701), filed_on=SINCE)
    south_co = rm.Company.objects.create(name="南物业", credit_code=credit_code(1702), filed_on=SINCE)
    for area, co in ((north_area, north_co), (south_area, south_co)):
        rm.Contract.objects.create(area=area, company=co, kind="formal", start_on=SINCE)
    committee = rm.OwnersCommittee.objects.create(area=north_area, name="北业委会", established_on=SINCE)

    def org(kind, **kw):
        return Organisation.objects.create(name=f"{kind}-{len(kw)}-{list(kw.values())[0].pk if kw else 0}",
                                           kind=kind, **kw)

    bureau_org = Organisation.objects.filter(kind=OrgKind.BUREAU).first()
    audit_org = Organisation.objects.filter(kind=OrgKind.AUDIT).first()
    it_org = Organisation.objects.filter(kind=OrgKind.IT).first()
    north_org = org(OrgKind.COMPANY, company=north_co)
    south_org = org(OrgKind.COMPANY, company=south_co)
    resident_person = rm.Person.objects.create(name="北住户")
    home = rm.Home.objects.filter(building__estate=north).first()
    rm.HomeShare.objects.create(home=home, person=resident_person, share_percent=Decimal("100"), since=SINCE)
    south_person = rm.Person.objects.create(name="南住户")
    rm.HomeShare.objects.create(home=rm.Home.objects.filter(building__estate=south).first(), person=south_person,
                                share_percent=Decimal("100"), since=SINCE)
    users = {
        "bureau": make_user("sv-bureau", bureau_org, Role.BUREAU_OFFICER),
        "officer": make_user("sv-town", org(OrgKind.TOWN_OFFICE, town=town), Role.TOWN_OFFICER),
        "other_town": make_user("sv-other-town", Organisation.objects.filter(kind=OrgKind.TOWN_OFFICE).exclude(
            town=town).first(), Role.TOWN_OFFICER),
        "hood": make_user("sv-hood", org(OrgKind.NEIGHBOURHOOD, neighbourhood=hood), Role.COMMUNITY_WORKER),
        "committee": make_user("sv-committee", org(OrgKind.OWNERS_COMMITTEE, owners_committee=committee),
                               Role.COMMITTEE_MEMBER),
        "north_manager": make_user("sv-north", north_org, Role.COMPANY_MANAGER),
        "north_tech": make_user("sv-north-tech", north_org, Role.TECHNICIAN),
        "south_manager": make_user("sv-south", south_org, Role.COMPANY_MANAGER),
        "resident": make_user("sv-resident", person=resident_person),
        "south_resident": make_user("sv-south-resident", person=south_person),
        "developer": make_user("sv-developer", person=developer),
        "auditor": make_user("sv-auditor", audit_org, Role.AUDITOR),
        "sysadmin": make_user("sv-sysadmin", it_org, Role.SYSTEM_ADMIN),
    }
    return World(town=town, north=north, south=south, north_co=north_co, south_co=south_co, users=users)
