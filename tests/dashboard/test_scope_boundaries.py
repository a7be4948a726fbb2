"""Scope at its boundaries: an estate split into two management areas served by two companies.
Each company's dashboard counts only its own area's committee and itself — exactly the rows its
lists show — and the town office counts both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from fangguan.accounts.choices import OrgKind, Role
from fangguan.registry import models as m
from fangguan.registry.choices import ContractKind, EstateType

from ..web.conftest import _user

DAY = "2022-06-30"


@pytest.fixture
def split_estate(db):
    town = m.Town.objects.create(code="DB1", name="看板测试镇", sort_order=95)
    estate = m.Estate.objects.create(code="DBE01", name="看板分区苑", town=town, estate_type=EstateType.COMMERCIAL,
                                     delivered_on=dt.date(2010, 1, 1), floor_area_m2=Decimal("80000"))
    areas = [m.ManagementArea.objects.create(estate=estate, code=f"DBA0{i}", name=f"看板分区苑{i}区") for i in (1, 2)]
    companies = [m.Company.objects.create(name=f"看板{i}物业有限公司", credit_code=code, filed_on=dt.date(2018, 1, 1))
                 for i, code in ((1, "91310116MADB00015"), (2, "91310116MADB00023"))]
    for area, company in zip(areas, companies, strict=True):
        m.Contract.objects.create(area=area, company=company, kind=ContractKind.FORMAL, start_on=dt.date(2015, 1, 1))
        m.OwnersCommittee.objects.create(area=area, name=f"{area.name}业委会", established_on=dt.date(2016, 1, 1),
                                         party_group_since=dt.date(2019, 1, 1))
    users = {
        "first": _user("db-company-1", OrgKind.COMPANY, Role.COMPANY_MANAGER, company=companies[0]),
        "second": _user("db-company-2", OrgKind.COMPANY, Role.COMPANY_MANAGER, company=companies[1]),
        "town": _user("db-town", OrgKind.TOWN_OFFICE, Role.TOWN_OFFICER, town=town),
    }
    return users


@pytest.mark.parametrize("who, expected", [
    ("first", {"estates": 1, "companies_serving": 1, "companies_filed": 1, "owners_committees": 1,
               "committees_with_party_group": 1}),
    ("second", {"estates": 1, "companies_serving": 1, "companies_filed": 1, "owners_committees": 1,
                "committees_with_party_group": 1}),
    ("town", {"estates": 1, "companies_serving": 2, "companies_filed": 2, "owners_committees": 2,
              "committees_with_party_group": 2}),
])
def test_each_sees_its_part_and_its_lists_agree(client, split_estate, who, expected):
    client.force_login(split_estate[who])
    cards = {c["key"]: c for c in client.get(reverse("dashboard"), {"as_of": DAY}).context["cards"]}
    for key, value in expected.items():
        assert cards[key]["value"] == value, key
        url = urlsplit(cards[key]["url"])
        listed = client.get(url.path + "?" + url.query).context["page"].paginator.count
        assert listed == value, key
