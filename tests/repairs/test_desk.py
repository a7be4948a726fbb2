"""The repair desk (issue 18): only the actions that make sense now are offered — and refused
otherwise —, each action says what it did, the queue is everyone's in the grid with a search by
number, estate and category, the API takes several statuses and ``open``, and property staff see
the reporter's contact masked, revealed only with the permission and a reason (logged)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from fangguan.core.models import SecurityEvent
from fangguan.repairs import services
from fangguan.repairs.machine import MACHINE

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c


def offered(client, req) -> set[str]:
    page = client.get(f"/repairs/{req.pk}/").content.decode()
    return set(re.findall(r'data-action="(\w+)"', page))


def test_answer_and_acknowledge_are_offered_only_when_something_waits(world):
    req = world.file()
    assert "answer" not in MACHINE.allowed(world.dispatcher, req)
    assert "answer" not in offered(login(world.dispatcher), req)
    with pytest.raises(services.ActionConflict):
        services.act(world.dispatcher, req, "answer", answer="已处理")
    services.act(world.town, req, "supervise", note="请尽快", answer_due=timezone.now() + dt.timedelta(days=1))
    assert "answer" in offered(login(world.dispatcher), req)
    services.act(world.dispatcher, req, "answer", answer="已派师傅")
    assert "answer" not in offered(login(world.dispatcher), req)  # answered: nothing waits any more

    assert "acknowledge" not in MACHINE.allowed(world.committee, req)
    services.act(world.resident, req, "escalate", note="一直没人来")
    assert "escalate" not in MACHINE.allowed(world.resident, req)  # already waiting at the committee
    assert "acknowledge" in offered(login(world.committee), req)
    services.act(world.committee, req, "acknowledge")
    assert "acknowledge" not in offered(login(world.committee), req)
    with pytest.raises(services.ActionConflict):
        services.act(world.committee, req, "acknowledge")


def test_each_action_says_what_it_did(world):
    req = world.file()
    c = login(world.dispatcher)
    page = c.post(f"/repairs/{req.pk}/act/", {"action": "assign", "assignee": world.technician.pk}, follow=True)
    name = world.technician.display_name or world.technician.username
    assert f"已派单给 {name}" in page.content.decode()
    page = c.post(f"/repairs/{req.pk}/act/", {"action": "defer", "reason": "等配件",
                                              "until": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
                  follow=True)
    assert f"已延期至 {(timezone.localdate() + dt.timedelta(days=3)).isoformat()}" in page.content.decode()


def test_a_refused_form_stays_open_with_its_message(world):
    req = world.file()
    c = login(world.dispatcher)
    r = c.post(f"/repairs/{req.pk}/act/", {"action": "reject"})  # a reason is required
    assert r.status_code == 302 and r["Location"].endswith("?do=reject")
    page = c.get(r["Location"]).content.decode()
    assert 'data-action-panel="reject" open' in page
    req.refresh_from_db()
    assert req.status == "submitted"


def test_the_queue_is_the_grids_too_and_finds_by_number_estate_and_category(world):
    from fangguan.repairs.views import nav_section

    req = world.file()
    other = world.file(category=world.urgent_category, description="电梯困人")
    for user in (world.dispatcher, world.committee, world.town, world.bureau):
        names = [i["name"] for i in nav_section(user)["items"]]
        assert "repairs-queue" in names, user
    c = login(world.town)
    page = c.get("/repairs/", {"q": f"#{req.pk}"}).content.decode()
    assert f'data-request="{req.pk}"' in page and f'data-request="{other.pk}"' not in page
    page = c.get("/repairs/", {"category": world.urgent_category.code, "estate": world.estate.pk}).content.decode()
    assert f'data-request="{other.pk}"' in page and f'data-request="{req.pk}"' not in page


def test_the_api_takes_several_statuses_and_open(world, api):
    first, second, third = world.file(), world.file(description="二"), world.file(description="三")
    services.act(world.dispatcher, second, "accept")
    services.act(world.dispatcher, third, "reject", reason="不属于维修范围")
    client = api("admin")
    ids = {i["id"] for i in client.get("/api/v1/repairs", status="submitted,accepted", estate=world.estate.pk,
                                       limit=500).json()["items"]}
    assert {first.pk, second.pk} <= ids and third.pk not in ids
    ids = {i["id"] for i in client.get("/api/v1/repairs", open="true", estate=world.estate.pk, limit=500).json()["items"]}
    assert {first.pk, second.pk} <= ids and third.pk not in ids
    assert client.get("/api/v1/repairs", status="submitted,nonsense").status_code == 422


def test_staff_see_the_contact_masked_and_reveal_it_with_a_reason(world, users):
    req = world.file(contact_name="王先生", contact_phone="13912345678")
    page = login(world.dispatcher).get(f"/repairs/{req.pk}/").content.decode()
    assert "王先生" in page and "13912345678" not in page and "139****5678" in page
    assert "139****5678" not in login(world.other_dispatcher).get(f"/repairs/{req.pk}/").content.decode()
    before = SecurityEvent.objects.filter(action="reveal").count()
    admin = login(users["admin"])  # the bureau: a grid capacity, and may reveal
    shown = admin.post(f"/repairs/{req.pk}/contact/", {"reason": "回访报修人"})
    assert "13912345678" in shown.content.decode() and shown["Cache-Control"] == "no-store"
    event = SecurityEvent.objects.filter(action="reveal").latest("id")
    assert (event.object_type, event.object_id, event.detail["reason"]) == ("repairrequest", req.pk, "回访报修人")
    refused = login(world.dispatcher).post(f"/repairs/{req.pk}/contact/", {"reason": "看看"}, follow=True)
    assert "13912345678" not in refused.content.decode()
    assert SecurityEvent.objects.filter(action="reveal").count() == before + 2  # the refusal is logged too
