"""The API contract of ``/api/v1/funds`` and who may do what through it — each role, anonymous
included — with refusals that change nothing."""

from __future__ import annotations

import pytest

from fangguan.funds.models import Account, Application, ApplicationEvent, Entry, Posting
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

ACCOUNT_KEYS = {"id", "kind", "estate", "building", "home", "balance_fen", "initial_fen", "ratio", "status"}


def client(world, role):
    return ApiClient(world.users[role].username if role else None)


def ledger_state():
    return Posting.objects.count(), Entry.objects.count(), list(Account.objects.order_by("pk").values_list("balance_fen"))


def test_accounts_list_and_detail(world):
    c = client(world, "committee")
    r = c.get("/api/v1/funds/accounts", estate=world.estate.pk)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 6 and set(body["items"][0]) == ACCOUNT_KEYS
    first = body["items"][0]
    assert first["home"]["name"] == "1号 101" and first["balance_fen"] == 560000 and first["ratio"] == "1.0000"
    assert first["status"] == "ok"
    assert c.get("/api/v1/funds/accounts", estate=world.estate.pk, below_threshold="true").json()["count"] == 0
    # a repair charged to 101 down to 29.99% of its deposit puts it below the line; 30.00% does not
    from fangguan.core.actors import system_actor
    from fangguan.funds import ledger

    ledger.post(actor=system_actor(), key="drain", kind="charge", entries=[(world.account("101").pk, 392000),
                                                                           (world.bank.pk, -392000)])
    assert c.get("/api/v1/funds/accounts", estate=world.estate.pk, below_threshold="true").json()["count"] == 0
    ledger.post(actor=system_actor(), key="drain2", kind="charge", entries=[(world.account("101").pk, 1),
                                                                            (world.bank.pk, -1)])
    below = c.get("/api/v1/funds/accounts", estate=world.estate.pk, below_threshold="true").json()
    assert [i["home"]["name"] for i in below["items"]] == ["1号 101"] and below["items"][0]["status"] == "below_line"
    detail = c.get(f"/api/v1/funds/accounts/{world.account('101').pk}", as_of="2015-06-01").json()
    assert detail["balance_as_of_fen"] == 560000 and len(detail["entries"]) == 1
    assert c.get(f"/api/v1/funds/accounts/{world.account('101').pk}", as_of="2015-05-31").json()["entries"] == []


def test_who_sees_which_accounts_through_the_api(world):
    ann_account = world.account("101").pk
    expect = {"bureau": 6, "auditor": 6, "town": 6, "committee": 6, "bookkeeper": 6, "other_town": 0,
              "other_bookkeeper": 0, "neighbourhood": 0, "company": 0, "it": 0, "ann": 2, "fay": 1, "outsider": 0}
    for role, count in expect.items():
        r = client(world, role).get("/api/v1/funds/accounts", estate=world.estate.pk)
        assert r.status_code == 200 and r.json()["count"] == count, role
        detail = client(world, role).get(f"/api/v1/funds/accounts/{ann_account}")
        assert detail.status_code == (200 if role not in ("other_town", "other_bookkeeper", "neighbourhood", "company",
                                                          "it", "fay", "outsider") else 404), role
    assert client(world, None).get("/api/v1/funds/accounts").status_code == 401


def test_postings_idempotent_balanced_and_refused_without_change(world):
    bureau = client(world, "bureau")
    a, bank = world.account("102").pk, world.bank.pk
    body = {"key": "adj-1", "kind": "adjustment", "memo": "更正", "entries": [{"account": bank, "amount_fen": 500},
                                                                           {"account": a, "amount_fen": -500}]}
    r = bureau.post("/api/v1/funds/postings", body)
    assert r.status_code == 201, r.content
    again = bureau.post("/api/v1/funds/postings", body)
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    before = ledger_state()
    assert bureau.post("/api/v1/funds/postings", {**body, "key": "adj-2", "entries": [
        {"account": bank, "amount_fen": 500}, {"account": a, "amount_fen": -499}]}).status_code == 422
    assert bureau.post("/api/v1/funds/postings", {**body, "entries": [
        {"account": bank, "amount_fen": 400}, {"account": a, "amount_fen": -400}]}).status_code == 409
    for role in ("committee", "bookkeeper", "town", "auditor"):
        assert client(world, role).post("/api/v1/funds/postings", {**body, "key": f"k-{role}"}).status_code == 403, role
    for role in ("ann", "company", "other_bookkeeper", "it"):  # accounts they cannot see read as unknown
        assert client(world, role).post("/api/v1/funds/postings", {**body, "key": f"k-{role}"}).status_code == 422, role
    assert client(world, None).post("/api/v1/funds/postings", {**body, "key": "anon"}).status_code == 401
    assert ledger_state() == before
    rev = world.revenue
    bank_rev = Account.objects.get(area=world.area, kind="revenue_bank")
    income = {"key": "park-1", "kind": "revenue_income", "memo": "停车费",
              "entries": [{"account": bank_rev.pk, "amount_fen": 8000}, {"account": rev.pk, "amount_fen": -8000}]}
    assert client(world, "bookkeeper").post("/api/v1/funds/postings", income).status_code == 201
    reverse = bureau.post(f"/api/v1/funds/postings/{r.json()['id']}/reverse", {"reason": "重复"})
    assert reverse.status_code == 201 and reverse.json()["reverses"] == r.json()["id"]


def test_a_reversal_refused_for_lack_of_permission_says_403_before_409(world):
    """The order of the answers: who may not reverse gets 403 (or 401 anonymous, 404 when the
    posting is not theirs to see) whether or not the posting is already reversed — the 409 is
    only for those who may reverse — and nothing changes on any refusal."""
    bureau = client(world, "bureau")
    a, bank = world.account("102").pk, world.bank.pk
    body = {"key": "adj-r", "kind": "adjustment", "memo": "更正", "entries": [{"account": bank, "amount_fen": 300},
                                                                           {"account": a, "amount_fen": -300}]}
    done = bureau.post("/api/v1/funds/postings", body).json()["id"]
    assert bureau.post(f"/api/v1/funds/postings/{done}/reverse", {"reason": "重复"}).status_code == 201
    open_ = bureau.post("/api/v1/funds/postings", {**body, "key": "adj-r2"}).json()["id"]
    before = ledger_state()
    for pk in (done, open_):
        assert client(world, None).post(f"/api/v1/funds/postings/{pk}/reverse", {"reason": "x"}).status_code == 401
        for role in ("ann", "committee", "bookkeeper", "town", "auditor"):  # they see the posting (Ann: her home)
            r = client(world, role).post(f"/api/v1/funds/postings/{pk}/reverse", {"reason": "x"})
            assert r.status_code == 403, (role, pk, r.content)
            assert "已" not in r.json().get("detail", ""), r.content
        for role in ("outsider", "other_bookkeeper", "other_town"):
            assert client(world, role).post(f"/api/v1/funds/postings/{pk}/reverse", {"reason": "x"}).status_code == 404
    assert ledger_state() == before
    assert bureau.post(f"/api/v1/funds/postings/{done}/reverse", {"reason": "重复"}).status_code == 409
    assert ledger_state() == before


def test_applications_through_the_api(world):
    committee = client(world, "committee")
    r = committee.post("/api/v1/funds/applications", {
        "area": world.area.pk, "title": "屋面防水", "parts": "2号楼屋面", "scope": {"buildings": [world.b2.pk]},
        "estimate_fen": 100001})
    assert r.status_code == 201, r.content
    app = r.json()
    assert [s["amount_fen"] for s in app["shares"]] == [53929, 46072]  # 75.50 : 64.50 → 53929.30, 46071.69: the odd fen to .69
    assert sum(s["amount_fen"] for s in app["shares"]) == 100001 and app["actions"] == ["withdraw"]
    url = f"/api/v1/funds/applications/{app['id']}"
    assert client(world, "fay").get(url).status_code == 404  # owners see applications once beyond the draft
    before = Application.objects.filter(pk=app["id"]).values().get(), ApplicationEvent.objects.count()
    assert committee.post(f"{url}/actions", {"action": "review_price", "reviewed_fen": 9}).status_code == 403
    assert committee.post(f"{url}/actions", {"action": "publish", "notice": "x"}).status_code == 409
    assert client(world, "other_town").post(f"{url}/actions", {"action": "review_price", "reviewed_fen": 9}).status_code == 404
    assert client(world, None).post(f"{url}/actions", {"action": "review_price", "reviewed_fen": 9}).status_code == 401
    assert committee.post(f"{url}/actions", {"action": "fly"}).status_code == 422
    assert (Application.objects.filter(pk=app["id"]).values().get(), ApplicationEvent.objects.count()) == before
    done = client(world, "town").post(f"{url}/actions", {"action": "review_price", "reviewed_fen": 90000})
    assert done.status_code == 200 and done.json()["status"] == "price_reviewed"
    assert client(world, "fay").get(url).json()["shares"][0]["amount_fen"] == 48536  # 48535.71 and 41464.28: the fen to .71
    # who sees the estate's applications but may not file one: 403; who does not see them: the area
    # named in the body is unknown (422, as test_body_refs has it); nothing filed either way
    count = Application.objects.count()
    for role, status in {"ann": 403, "town": 403, "company": 422, "other_bookkeeper": 422}.items():
        assert client(world, role).post("/api/v1/funds/applications", {
            "area": world.area.pk, "title": "x", "parts": "x", "scope": {"area": world.area.pk},
            "estimate_fen": 1}).status_code == status, role
    assert Application.objects.count() == count


def test_bodies_with_unknown_fields_are_refused_and_change_nothing(world):
    """A misspelt field is a 422, never silently dropped: a posting whose entries carry ``amount``
    instead of ``amount_fen``, an application with a stray ``homes`` beside ``scope``, a step with
    a stray ``amount`` (the page's name) beside ``amount_fen`` — nested schemas included."""
    bureau, committee = client(world, "bureau"), client(world, "committee")
    a, bank = world.account("102").pk, world.bank.pk
    before = ledger_state(), Application.objects.count()
    r = bureau.post("/api/v1/funds/postings", {"key": "typo", "kind": "adjustment", "entries": [
        {"account": bank, "amount_fen": 500}, {"account": a, "amount_fen": -500, "amount": -500}]})
    assert r.status_code == 422, r.content
    r = bureau.post("/api/v1/funds/postings", {"key": "typo", "kind": "adjustment", "approved": True, "entries": [
        {"account": bank, "amount_fen": 500}, {"account": a, "amount_fen": -500}]})
    assert r.status_code == 422, r.content
    body = {"area": world.area.pk, "title": "屋面防水", "parts": "2号楼屋面", "scope": {"area": world.area.pk},
            "estimate_fen": 100001}
    assert committee.post("/api/v1/funds/applications", {**body, "homes": [1]}).status_code == 422
    assert committee.post("/api/v1/funds/applications", {**body, "scope": {"area": world.area.pk,
                                                                           "lifts": 1}}).status_code == 422
    assert (ledger_state(), Application.objects.count()) == before
    app = world.application(emergency="pump")
    url = f"/api/v1/funds/applications/{app.pk}/actions"
    assert committee.post(url, {"action": "authorise_emergency"}).status_code == 200
    before = ledger_state(), Application.objects.filter(pk=app.pk).values().get()
    assert committee.post(url, {"action": "pay", "amount_fen": 1000, "amount": 1000}).status_code == 422
    assert (ledger_state(), Application.objects.filter(pk=app.pk).values().get()) == before
