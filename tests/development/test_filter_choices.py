"""The one filter form (``registry.forms.FilterForm``) on the development lists and the registry's:
a town office is offered the towns, neighbourhood committees, companies and owners' committees of
its own area, on both kinds of list. The oracle is this file's own query from the user's
membership (the town office's town), never the form's ``scope_choices`` or a ``visible_to``."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from fangguan.accounts.choices import OrgKind
from fangguan.accounts.models import Membership
from fangguan.registry import models as m

pytestmark = pytest.mark.django_db


def _options(html: str, name: str) -> set[int]:
    """The ids a page's ``<select name=…>`` offers (its "All" option left out)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return {int(v) for v in re.findall(r'<option value="(\d+)"', select.group(1))}


def _own_towns(user) -> set[int]:
    return set(Membership.objects.filter(user=user, active=True, organisation__active=True,
                                         organisation__kind=OrgKind.TOWN_OFFICE)
               .values_list("organisation__town_id", flat=True))


@pytest.fixture
def zhujing(users):
    client = Client()
    client.force_login(users["zhujing"])
    towns = _own_towns(users["zhujing"])
    assert towns, "zhujing works for a town office"
    return client, towns


@pytest.mark.parametrize("resource", ["parcels", "projects", "permits", "affordable", "renovations"])
def test_a_town_offices_development_list_offers_its_own_town(zhujing, users, resource):
    client, towns = zhujing
    page = client.get(f"/development/{resource}/")
    assert page.status_code == 200
    assert _options(page.content.decode(), "town") == towns
    # the bureau's panel offers the district
    admin = Client()
    admin.force_login(users["admin"])
    assert _options(admin.get(f"/development/{resource}/").content.decode(), "town") == set(
        m.Town.objects.values_list("pk", flat=True))


def test_a_town_offices_registry_list_offers_its_own_area(zhujing):
    client, towns = zhujing
    estates = m.Estate.objects.filter(town_id__in=towns)
    html = client.get("/r/estates/").content.decode()
    assert _options(html, "town") == towns
    assert _options(html, "neighbourhood") == set(estates.exclude(neighbourhood=None).values_list("neighbourhood_id", flat=True))
    assert _options(html, "company") == set(
        m.Contract.objects.filter(area__estate__in=estates).values_list("company_id", flat=True))
    members = client.get("/r/committee-members/").content.decode()
    assert _options(members, "committee") == set(
        m.OwnersCommittee.objects.filter(area__estate__in=estates).values_list("pk", flat=True))
    assert _options(members, "town") == towns
    contracts = client.get("/r/contracts/").content.decode()
    assert _options(contracts, "company") == _options(html, "company")


def test_both_panels_are_one_form(zhujing):
    """Same control, label and choices for the town on a development list and a registry list."""
    client, _towns = zhujing
    development = client.get("/development/parcels/").context["form"]
    registry = client.get("/r/estates/").context["form"]
    assert type(development) is type(registry)
    assert str(development.fields["town"].label) == str(registry.fields["town"].label)
    assert list(development.fields["town"].choices) == list(registry.fields["town"].choices)
    assert development.fields["per_page"].choices == registry.fields["per_page"].choices
