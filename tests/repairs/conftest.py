"""Repairs fixtures on top of the session's Jinshan demo: yezhu's home and estate (served by
wuye's company), the grid bodies of that estate, a technician, and another company with its
own estate and resident."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.models import Membership, Organisation, User
from fangguan.registry import models as rm
from fangguan.registry.demo import DEMO_PASSWORD
from fangguan.repairs import services
from fangguan.repairs.deadlines import LOCAL
from fangguan.repairs.models import Category


def make_user(username, org=None, role=None, person=None):
    user = User.objects.create_user(username=username, password=DEMO_PASSWORD, display_name=username)
    if org is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
    if person is not None:
        rm.Person.objects.filter(pk=person.pk).update(user=user)
    return user


@dataclass
class World:
    estate: rm.Estate
    home: rm.Home
    company: rm.Company
    resident: User
    dispatcher: User  # wuye: the company's manager
    technician: User
    committee: User  # juweihui
    town: User
    bureau: User
    auditor: User
    other_estate: rm.Estate
    other_home: rm.Home
    other_dispatcher: User
    other_resident: User
    category: Category
    urgent_category: Category

    def file(self, *, by=None, at=None, category=None, **kw) -> object:
        kw.setdefault("description", "卫生间水管漏水")
        kw.setdefault("home", self.home)
        return services.create_request(by or self.resident, estate=self.estate, category=category or self.category,
                                       now=at, **kw)


def _served_estate_of(company_id, exclude_company_ids, today):
    """An estate served now by ``company_id`` alone, with homes owned by someone."""
    areas = rm.Contract.objects.as_of(today).filter(company_id=company_id).values("area_id")
    for estate in rm.Estate.objects.filter(areas__in=areas).distinct().order_by("pk"):
        served_by = set(rm.Contract.objects.as_of(today).filter(area__estate=estate).values_list("company_id", flat=True))
        if served_by & set(exclude_company_ids):
            continue
        share = rm.HomeShare.objects.as_of(today).filter(home__building__estate=estate, person__user__isnull=True,
                                                        person__kind="natural").select_related("home", "person").first()
        if share:
            return estate, share
    return None, None


@pytest.fixture
def world(db) -> World:
    today = timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=["yezhu", "wuye", "juweihui", "admin", "auditor"])}
    resident = users["yezhu"]
    owner = rm.Person.objects.get(user=resident)
    home = rm.HomeShare.objects.as_of(today).filter(person=owner).select_related("home__building__estate").first().home
    estate = home.building.estate
    company_org = Organisation.objects.get(memberships__user=users["wuye"])
    company = company_org.company
    technician = make_user("shifu", company_org, Role.TECHNICIAN)
    town_org = Organisation.objects.filter(kind=OrgKind.TOWN_OFFICE, town=estate.town).first()
    town = make_user("zhen", town_org, Role.TOWN_OFFICER)
    serving = rm.Contract.objects.as_of(today).exclude(company=company).values("company_id")
    for other_company in rm.Company.objects.filter(pk__in=serving).order_by("pk"):
        other_estate, share = _served_estate_of(other_company.pk, [company.pk], today)
        if other_estate is not None:
            break
    assert other_estate is not None, "the sample demo has homes in an estate of another company"
    other_org = Organisation.objects.get(kind=OrgKind.COMPANY, company=other_company)
    other_dispatcher = make_user("other-dispatcher", other_org, Role.DISPATCHER)
    other_resident = make_user("other-resident", person=share.person)
    return World(
        estate=estate, home=home, company=company, resident=resident, dispatcher=users["wuye"],
        technician=technician, committee=users["juweihui"], town=town, bureau=users["admin"],
        auditor=users["auditor"], other_estate=other_estate, other_home=share.home,
        other_dispatcher=other_dispatcher, other_resident=other_resident,
        category=Category.objects.get(code="roof-leak"), urgent_category=Category.objects.get(code="water-leak"),
    )


def at(y, mo, d, h=10, mi=0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=LOCAL)


def png_bytes(size=(8, 8), colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def png_upload(name="leak.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")
