"""Small registry for the web tests: two towns, an estate in each, a company serving the first,
and one user per role that matters to the pages.

The session database also holds the Jinshan demo (``tests/conftest.py`` loads it once), so these
records use names and codes the demo does not, and tests look at their own records only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.models import Membership, Organisation, User
from fangguan.registry import models as m
from fangguan.registry.choices import ContractKind, EstateType

PASSWORD = "Web-test-2026!"
ID_NUMBER = "11010519491231002X"  # the standard's sample number (valid check character)
PHONE = "13812345678"


def _user(username: str, kind: str | None = None, role: str | None = None, *, may_reveal=False, **links) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=username.title())
    if kind:
        org = Organisation.objects.create(name=f"{username} org", kind=kind, **links)
        Membership.objects.create(user=user, organisation=org, role=role, may_reveal=may_reveal)
    return user


@pytest.fixture
def registry(db):
    """The records, as a namespace: ``registry.estate``, ``registry.other_estate`` …"""
    zhujing = m.Town.objects.create(code="WZJ", name="泾西镇", sort_order=90)
    fengjing = m.Town.objects.create(code="WFJ", name="枫南镇", sort_order=91)
    hood = m.Neighbourhood.objects.create(town=zhujing, code="WZJ01", name="泾西第一居委会")
    estate = m.Estate.objects.create(
        code="WE001", name="泾西新苑", town=zhujing, neighbourhood=hood, estate_type=EstateType.COMMERCIAL,
        delivered_on=dt.date(2010, 5, 1), floor_area_m2=Decimal("123456.78"), service_phone="021-57310000",
    )
    other = m.Estate.objects.create(
        code="WE002", name="枫南花园", town=fengjing, estate_type=EstateType.SOLD_PUBLIC,
        delivered_on=dt.date(1998, 1, 1), floor_area_m2=Decimal("50000"),
    )
    area = m.ManagementArea.objects.create(estate=estate, code="WA001", name="泾西新苑物业管理区域")
    other_area = m.ManagementArea.objects.create(estate=other, code="WA002", name="枫南花园物业管理区域")
    building = m.Building.objects.create(estate=estate, area=area, number="1号楼", floors=6)
    m.Building.objects.create(estate=other, area=other_area, number="1号楼", floors=5)
    home = m.Home.objects.create(building=building, room_number="101", floor=1, area_m2=Decimal("88.50"))
    company = m.Company.objects.create(name="泾西物业有限公司", credit_code="91310116MAWEB0001X")
    other_company = m.Company.objects.create(name="枫南物业有限公司", credit_code="91310116MAWEB0002Y")
    m.Contract.objects.create(area=area, company=company, kind=ContractKind.FORMAL, start_on=dt.date(2020, 1, 1))
    m.Contract.objects.create(area=other_area, company=other_company, kind=ContractKind.FORMAL,
                              start_on=dt.date(2020, 1, 1))
    person = m.Person(name="网页测试人")
    person.set_id_number(ID_NUMBER)
    person.set_phone(PHONE)
    person.save()
    m.HomeShare.objects.create(home=home, person=person, since=dt.date(2010, 6, 1))

    class Registry:
        pass

    r = Registry()
    r.__dict__.update(zhujing=zhujing, fengjing=fengjing, hood=hood, estate=estate, other_estate=other, area=area,
                      building=building, home=home, company=company, person=person)
    return r


@pytest.fixture
def users(registry):
    owner = _user("web-owner")
    registry.person.user = owner
    registry.person.save()

    class Users:
        bureau = _user("web-bureau", OrgKind.BUREAU, Role.BUREAU_OFFICER, may_reveal=True)
        town = _user("web-town", OrgKind.TOWN_OFFICE, Role.TOWN_OFFICER, town=registry.zhujing)
        company = _user("web-company", OrgKind.COMPANY, Role.COMPANY_MANAGER, company=registry.company)
        auditor = _user("web-auditor", OrgKind.AUDIT, Role.AUDITOR)
        sysadmin = _user("web-sysadmin", OrgKind.IT, Role.SYSTEM_ADMIN)

    Users.owner = owner
    return Users


@pytest.fixture
def as_user(client):
    """``as_user(user)`` logs the test client in as ``user`` and returns the client."""

    def login(user):
        client.force_login(user)
        return client

    return login
