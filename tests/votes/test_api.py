"""The issue 15 API contract and who sees what: an owner never sees another estate's votes; how
anyone voted is hidden from everyone while a vote is open; after the close the organiser and
the bureau see it. Expectations are recounted from the hand-built estate."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone

from fangguan.accounts.models import ApiToken
from fangguan.core.actors import system_actor
from fangguan.votes import services
from fangguan.votes.models import Ballot, Vote

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user):
        self.client = Client(HTTP_HOST="127.0.0.1")
        self.headers = {}
        if user is not None:
            key = ApiToken.new_key()
            ApiToken.objects.create(user=user, key_hash=ApiToken.hash(key), prefix=key[:8],
                                    expires_at=timezone.now() + dt.timedelta(hours=1))
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def get(self, path, **params):
        return self.client.get(path, params, **self.headers)

    def post(self, path, data):
        return self.client.post(path, json.dumps(data), content_type="application/json", **self.headers)


def scan_b64():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def new_vote(world, **extra):
    now = timezone.now()
    body = {"matter": "manager", "title": "续聘物业", "scope": {"area": world.area.pk},
            "opens_at": (now - dt.timedelta(minutes=5)).isoformat(), "closes_at": (now + dt.timedelta(days=3)).isoformat(),
            **extra}
    return Api(world.member).post("/api/v1/votes", body)


def test_drafting_answers_the_contract(world):
    r = new_vote(world)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "draft"
    assert body["rule"] | {} == {"quorum_area": "2/3", "quorum_owners": "2/3", "approval_area": "1/2",
                                 "approval_owners": "1/2", "strict": True, "basis": body["rule"]["basis"],
                                 "effective_from": "2021-01-01"}
    assert body["electorate"] == {"homes": 9, "area_m2": "710.00", "owners": 7}
    unit = new_vote(world, matter="elevator", scope={"unit": {"building": world.b1.pk, "unit": "1"}}).json()
    assert unit["electorate"] == {"homes": 4, "area_m2": "300.00", "owners": 3}
    assert (unit["rule"]["approval_area"], unit["rule"]["strict"]) == ("3/4", False)


def test_refused_drafts_change_nothing(world, users):
    count = Vote.objects.count()
    assert new_vote(world, matter="elevator").status_code == 422  # a lift is decided per stairwell unit
    r = Api(world.owners["Ann"]).post("/api/v1/votes", {"matter": "manager", "title": "x", "scope": {"area": world.area.pk},
                                                        "opens_at": "2030-01-01T00:00:00+08:00",
                                                        "closes_at": "2030-01-02T00:00:00+08:00"})
    assert r.status_code in (403, 422)
    assert Api(None).post("/api/v1/votes", {}).status_code == 401
    assert Vote.objects.count() == count


def test_ballots_results_and_who_sees_them(world, users):
    vote_id = new_vote(world).json()["id"]
    member = Api(world.member)
    assert member.post(f"/api/v1/votes/{vote_id}/actions", {"action": "open"}).status_code == 200
    ann, fay = Api(world.owners["Ann"]), Api(world.owners["Fay"])
    assert ann.post(f"/api/v1/votes/{vote_id}/ballots", {"choice": "no"}).status_code == 201
    r = ann.post(f"/api/v1/votes/{vote_id}/ballots", {"choice": "yes"})
    assert r.status_code == 201 and r.json()["seq"] == 2 and r.json()["channel"] == "app"
    assert fay.post(f"/api/v1/votes/{vote_id}/ballots", {"choice": "no"}).status_code == 201
    paper = member.post(f"/api/v1/votes/{vote_id}/ballots", {"choice": "yes", "home": world.homes["104"].pk,
                                                              "paper_scan": scan_b64()})
    assert paper.status_code == 201 and paper.json()["channel"] == "paper"
    # while open: participation only (Ann 120 + Fay 75.50 + Dee 100 = 295.50, 3 owners), for everyone
    for client in (member, ann, Api(users["admin"])):
        result = client.get(f"/api/v1/votes/{vote_id}/result").json()
        assert result["participating"] == {"area_m2": "295.50", "owners": 3}
        assert result["yes"] is None and result["passed"] is None and result["digest"] is None
    buildings = member.get(f"/api/v1/votes/{vote_id}/result").json()["by_building"]
    assert [(b["building"]["number"], b["homes_voted"], b["homes"]) for b in buildings] == [("1", 3, 7), ("2", 1, 2)]
    assert ann.get(f"/api/v1/votes/{vote_id}/result").json()["by_building"] is None
    # the list and the detail
    listed = ann.get("/api/v1/votes", status="open").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == vote_id
    assert Api(world.outsider).get(f"/api/v1/votes/{vote_id}").status_code == 404
    assert Api(world.outsider).get("/api/v1/votes").json()["count"] == 0
    assert Api(world.outsider).post(f"/api/v1/votes/{vote_id}/ballots", {"choice": "yes"}).status_code == 404
    # closed: the figures by area and headcount, the rule, the digest
    vote = Vote.objects.get(pk=vote_id)
    services.act(system_actor(), vote, "close", now=vote.closes_at)
    result = ann.get(f"/api/v1/votes/{vote_id}/result").json()
    assert result["eligible"] == {"area_m2": "710.00", "owners": 7}
    assert result["participating"] == {"area_m2": "295.50", "owners": 3}
    assert result["yes"] == {"area_m2": "220.00", "owners": 2} and result["no"] == {"area_m2": "75.50", "owners": 1}
    assert result["abstain"] == {"area_m2": "0.00", "owners": 0}
    assert result["quorum_met"] is False and result["passed"] is False  # 295.50 of 710 ㎡ < 2/3
    assert result["rule"]["quorum_area"] == "2/3" and len(result["digest"]) == 64


def test_interim_results_when_the_organiser_shows_them(world):
    vote_id = new_vote(world, hide_interim=False).json()["id"]
    Api(world.member).post(f"/api/v1/votes/{vote_id}/actions", {"action": "open"})
    Api(world.owners["Ann"]).post(f"/api/v1/votes/{vote_id}/ballots", {"choice": "yes"})
    result = Api(world.owners["Fay"]).get(f"/api/v1/votes/{vote_id}/result").json()
    assert result["yes"] == {"area_m2": "120.00", "owners": 1} and result["passed"] is None


def test_how_each_owner_voted_is_hidden_while_open_and_shown_to_the_organiser_after(world, users):
    from fangguan.votes.selectors import may_see_choices

    vote = world.vote()
    services.act(world.owners["Ann"], vote, "cast", choice="yes")
    for user in (world.member, users["admin"], world.owners["Ann"], world.owners["Fay"]):
        assert not may_see_choices(user, vote)
    page = _login(world.member).get(f"/votes/{vote.pk}/").content.decode()
    assert "How each owner voted" not in page and "每位业主的表决" not in page
    vote = services.act(system_actor(), vote, "close", now=vote.closes_at)
    assert may_see_choices(world.member, vote) and may_see_choices(users["admin"], vote)
    assert not may_see_choices(world.owners["Fay"], vote) and not may_see_choices(users["zhujing"], vote)
    assert Ballot.objects.filter(vote=vote).count() == 1


def _login(user):
    from fangguan.registry.demo import DEMO_PASSWORD

    client = Client()
    assert client.login(username=user.username, password=DEMO_PASSWORD)
    return client
