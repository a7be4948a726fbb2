"""``core.scopes`` answers per action: view, add, change (which fields), delete and a module's
own actions, each on its own. The expectations restate issue #2's writing rules by hand."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from fangguan.core.actors import system_actor
from fangguan.core.scopes import ADD, CHANGE, DELETE, VIEW, can, fields_for
from fangguan.registry import models as m

pytestmark = pytest.mark.django_db


def served_estate(user):
    company = user.memberships.get().organisation.company_id
    return m.Estate.objects.filter(areas__contracts__company_id=company).order_by("pk").first()


def test_a_company_changes_an_estates_contacts_but_may_not_delete_it(users):
    wuye = users["wuye"]
    estate = served_estate(wuye)
    assert can(wuye, VIEW, estate) and can(wuye, CHANGE, estate, fields=["service_phone"])
    assert not can(wuye, CHANGE, estate, fields=["name"])
    assert not can(wuye, DELETE, estate) and not can(wuye, ADD, m.Estate)
    grant = fields_for(wuye, estate)
    assert not grant.all and "service_phone" in grant.fields


def test_a_company_manages_the_facilities_of_estates_it_serves_only(users):
    wuye = users["wuye"]
    estate = served_estate(wuye)
    mine = m.Facility.objects.filter(estate=estate).first()
    other = m.Facility.objects.exclude(estate__in=m.Estate.objects.visible_to(wuye)).first()
    assert can(wuye, ADD, m.Facility) and can(wuye, DELETE, mine) and fields_for(wuye, mine).all
    assert not can(wuye, DELETE, other) and not can(wuye, VIEW, other)


def test_reading_is_not_writing(users):
    for name in ("juweihui", "auditor"):
        user = users[name]
        assessment = m.Assessment.objects.visible_to(user).first()
        assert can(user, VIEW, assessment)
        assert not can(user, CHANGE, assessment) and not can(user, DELETE, assessment)
        assert not can(user, ADD, m.Assessment)


def test_a_town_office_deletes_in_its_town_only(users):
    zhujing = users["zhujing"]
    town = zhujing.memberships.get().organisation.town_id
    inside = m.Assessment.objects.filter(estate__town_id=town).first()
    outside = m.Assessment.objects.exclude(estate__town_id=town).first()
    assert can(zhujing, DELETE, inside) and not can(zhujing, DELETE, outside)
    assert list(m.Assessment.objects.filter(pk__in=[inside.pk, outside.pk]).restrict(zhujing, DELETE)) == [inside]


def test_nobody_anonymous_and_the_system_actor_for_the_platform(users):
    estate = m.Estate.objects.first()
    for action in (VIEW, ADD, CHANGE, DELETE):
        assert not can(AnonymousUser(), action, estate)
        assert not can(None, action, estate)
        assert can(system_actor(), action, estate)
    assert m.Estate.objects.visible_to(AnonymousUser()).count() == 0
    assert m.Estate.objects.visible_to(system_actor()).count() == m.Estate.objects.count()


def test_the_it_administrators_see_and_change_no_business_data(users):
    estate = m.Estate.objects.first()
    for name in ("sysadmin", "secadmin", "auditadmin"):
        assert not any(can(users[name], action, estate) for action in (VIEW, ADD, CHANGE, DELETE))
