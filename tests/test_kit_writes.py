"""Writes that escaped the change log (issue 13) now go through services and are logged:
organisations changed by the system administrator, subscribers switched off from the command
line, a renovation's estates; and the system actor that writes for the platform cannot log in."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from fangguan.accounts.models import Organisation, User
from fangguan.core.models import ChangeLog, SecurityEvent
from fangguan.registry.demo import DEMO_PASSWORD
from fangguan.registry.models import Town

pytestmark = pytest.mark.django_db


def login(username):
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_moving_an_office_to_another_town_is_logged_as_a_permission_change(users):
    office = Organisation.objects.get(memberships__user=users["zhujing"])
    other = Town.objects.exclude(pk=office.town_id).order_by("pk").first()
    page = login("sysadmin").post(f"/admin/accounts/organisation/{office.pk}/change/", {
        "name": office.name, "kind": office.kind, "town": other.pk, "neighbourhood": "", "company": "",
        "owners_committee": "", "active": "on"})
    assert page.status_code == 302, page.content[:500]
    office.refresh_from_db()
    assert office.town_id == other.pk
    change = ChangeLog.objects.filter(object_type="organisation", object_id=office.pk).latest("id")
    assert change.actor_id == users["sysadmin"].pk and change.after == {"town": other.pk}
    event = SecurityEvent.objects.filter(action="permission_change", object_type="organisation").latest("id")
    assert event.object_id == office.pk and event.detail["changed"] == ["town"]
    assert event.detail["after"] == {"town": other.pk} and event.detail["members"] >= 1


def test_switching_a_subscriber_off_from_the_command_line_is_logged():
    out = io.StringIO()
    call_command("outbox_subscriber", "add", "测试", "http://127.0.0.1:9/in", stdout=out)
    call_command("outbox_subscriber", "deactivate", "测试", stdout=out)
    from fangguan.outbox.models import Subscriber

    subscriber = Subscriber.objects.get(name="测试")
    assert subscriber.active is False
    change = ChangeLog.objects.filter(object_type="subscriber", object_id=subscriber.pk).latest("id")
    assert (change.action, change.before, change.after) == ("update", {"active": True}, {"active": False})
    assert change.actor.is_system and change.cause == "command:outbox_subscriber"


def test_a_renovations_estates_are_in_its_change_log_row(users):
    from fangguan.development import services
    from fangguan.development.models import Renovation

    renovation = Renovation.objects.filter(estates__isnull=False).order_by("pk").first()
    linked = sorted(renovation.estates.values_list("pk", flat=True))
    keep = linked[:1]
    services.development_update(actor=users["admin"], instance=renovation, changes={
        "name": renovation.name + "（调整）", "estates": list(renovation.town.estates.filter(pk__in=keep))})
    change = ChangeLog.objects.filter(object_type=Renovation.audit_name, object_id=renovation.pk).latest("id")
    assert change.before["estates"] == linked and change.after["estates"] == keep
    assert "name" in change.after


def test_the_system_actor_cannot_log_in_even_with_a_password():
    system = User.objects.get(is_system=True)
    system.set_password(DEMO_PASSWORD)
    system.save()
    assert not Client().login(username="system", password=DEMO_PASSWORD)
    answer = Client().post("/api/v1/auth/token", {"username": "system", "password": DEMO_PASSWORD},
                           content_type="application/json")
    assert answer.status_code in (401, 403)
