"""A dispatcher registers a phone or on-site order for a given home (not only a common part),
on the page by building and room number and through the API by home id; a home that is not in
the chosen estate (or not found) is refused and nothing is filed."""

from __future__ import annotations

import pytest
from django.test import Client

from fangguan.registry import models as rm
from fangguan.repairs.models import RepairRequest

pytestmark = pytest.mark.django_db


def page(user) -> Client:
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c


def form(world, **kw):
    data = {"estate": world.estate.pk, "where": "home", "building_number": world.home.building.number,
            "room_number": world.home.room_number, "category": world.category.code, "description": "来电：厨房漏水",
            "channel": "phone", "contact_name": "王先生", "contact_phone": "13800000000"}
    data.update(kw)
    return data


def test_the_dispatcher_registers_a_call_about_a_home_on_the_page(world):
    r = page(world.dispatcher).post("/repairs/new/", form(world))
    assert r.status_code == 302, r.content.decode()[:2000]
    req = RepairRequest.objects.get(description="来电：厨房漏水")
    assert (req.home, req.building, req.place, req.channel) == (world.home, world.home.building, "home", "phone")
    assert req.reporter is None and req.created_by == world.dispatcher


@pytest.mark.parametrize("change", [{"room_number": "no-such-room"}, {"room_number": ""}])
def test_a_home_not_found_is_refused_and_nothing_filed(world, change):
    before = RepairRequest.objects.count()
    r = page(world.dispatcher).post("/repairs/new/", form(world, **change))
    assert r.status_code == 422 and "室号" in r.content.decode()
    assert RepairRequest.objects.count() == before


def test_through_the_api_a_home_in_the_estate_and_not_elsewhere(world, api):
    wuye = api("wuye")
    payload = {"estate": world.estate.pk, "home": world.home.pk, "category": "roof-leak",
               "description": "上门报修", "channel": "onsite"}
    r = wuye.post("/api/v1/repairs", payload)
    assert r.status_code == 201, r.content
    assert r.json()["home"]["id"] == world.home.pk and r.json()["channel"] == "onsite"
    elsewhere = rm.Home.objects.exclude(building__estate=world.estate).filter(
        building__estate__in=rm.Estate.objects.visible_to(world.dispatcher)).first()
    before = RepairRequest.objects.count()
    if elsewhere is not None:  # wuye serves another estate: its home is not in this one
        r = wuye.post("/api/v1/repairs", {**payload, "home": elsewhere.pk})
        assert r.status_code == 422 and r.json()["errors"]["home"]
    r = wuye.post("/api/v1/repairs", {**payload, "home": world.other_home.pk})  # another company's home
    assert r.status_code == 422 and r.json()["errors"]["home"]
    assert RepairRequest.objects.count() == before
