"""A record named in a request body that the caller cannot see is bad input — 422 "记录不存在：id。"
on that field, changing nothing — as the uploads, the registry and supervision answer (the path's
record answers 404): an application's management area, a statement's estate, the vote a step of
an application names. Each endpoint, for each role that may call it; the rows are counted here."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangguan.core.models import ChangeLog
from fangguan.funds import services
from fangguan.funds.models import Application, ApplicationEvent, Entry, Posting, Statement
from fangguan.registry.models import ManagementArea
from fangguan.votes.models import Vote

from .test_api import client

pytestmark = pytest.mark.django_db

# who may call each endpoint: the owners' committee and the bookkeeping firm the estate engaged;
# the firm another estate engaged may call them for that estate (so ours is the one it cannot see)
APPLICANTS = ("committee", "bookkeeper", "other_bookkeeper")


def rows() -> dict:
    return {"applications": Application.objects.count(), "events": ApplicationEvent.objects.count(),
            "statements": Statement.objects.count(), "postings": Posting.objects.count(),
            "entries": Entry.objects.count(), "changes": ChangeLog.objects.count(), "votes": Vote.objects.count()}


def unknown(r, field: str, pk: int) -> None:
    assert r.status_code == 422, r.content
    assert r.json()["errors"][field] == [f"记录不存在：{pk}。"], r.content


def body(area) -> dict:
    return {"area": area.pk, "title": "更换屋面防水", "parts": "屋面", "scope": {"area": area.pk},
            "estimate_fen": 1200000}


def test_an_application_for_an_area_the_caller_cannot_see_is_422(world):
    other_area = ManagementArea.objects.filter(estate=world.other_estate).order_by("pk").first()
    for role in APPLICANTS:
        area = world.area if role == "other_bookkeeper" else other_area
        before = rows()
        unknown(client(world, role).post("/api/v1/funds/applications", body(area)), "area", area.pk)
        assert rows() == before, role
    # the control: the estate's own committee and firm file theirs; an owner of the estate sees its
    # applications, so is refused (403), not told the area is unknown
    for role in ("committee", "bookkeeper"):
        assert client(world, role).post("/api/v1/funds/applications", body(world.area)).status_code == 201, role
    before = rows()
    assert client(world, "ann").post("/api/v1/funds/applications", body(world.area)).status_code == 403
    assert client(world, "committee").post("/api/v1/funds/applications", body(world.area) | {"area": 2**62}
                                           ).status_code == 422  # none such: the same answer
    assert rows() == before


def test_a_statement_of_an_estate_the_caller_cannot_see_is_422(world):
    day = (timezone.localdate() - dt.timedelta(days=400)).isoformat()  # a period long ended
    for role in APPLICANTS:
        estate = world.estate if role == "other_bookkeeper" else world.other_estate
        before = rows()
        r = client(world, role).post("/api/v1/funds/statements", {"estate": estate.pk, "ledger": "fund", "day": day})
        unknown(r, "estate", estate.pk)
        assert rows() == before, role
    # those who read the estate's statements but may not publish one: refused (403), nothing written
    before = rows()
    for role in ("neighbourhood", "ann", "town", "bureau"):
        r = client(world, role).post("/api/v1/funds/statements", {"estate": world.estate.pk, "ledger": "fund",
                                                                  "day": day})
        assert r.status_code == 403, (role, r.content)
    assert rows() == before
    r = client(world, "bookkeeper").post("/api/v1/funds/statements", {"estate": world.estate.pk, "ledger": "fund",
                                                                      "day": day})
    assert r.status_code == 201, r.content


def test_a_step_naming_a_vote_the_caller_cannot_see_is_422(world):
    other_area = ManagementArea.objects.filter(estate=world.other_estate).order_by("pk").first()
    now = timezone.now()
    elsewhere = Vote.objects.create(estate=world.other_estate, area=other_area, matter="fund_use", title="他处表决",
                                    scope_kind="area", opens_at=now, closes_at=now + dt.timedelta(days=7),
                                    organiser_kind="town_office", organiser=world.users["other_town"])
    app = services.act(world.users["bureau"], world.application(), "review_price", reviewed_fen=550000)
    url = f"/api/v1/funds/applications/{app.pk}/actions"
    for role in ("committee", "bookkeeper"):
        before = rows()
        unknown(client(world, role).post(url, {"action": "put_to_vote", "vote": elsewhere.pk}), "vote", elsewhere.pk)
        assert rows() == before, role
        assert Application.objects.get(pk=app.pk).status == "price_reviewed" and app.vote_id is None
    # the control: the firm (which sees no votes in the votes module) names its estate's vote of the
    # paying homes and the step is taken
    vote = world.vote(app.homes, close=False)
    r = client(world, "bookkeeper").post(url, {"action": "put_to_vote", "vote": vote.pk})
    assert r.status_code == 200, r.content
    assert Application.objects.get(pk=app.pk).vote_id == vote.pk
