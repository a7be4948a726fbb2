"""The API contract other tools rely on (issue #2): paths, shapes, paging, errors, the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangguan.core.models import ChangeLog, SecurityEvent
from fangguan.registry import models as m
from fangguan.registry.resources import RESOURCES

SCHEMA_COPY = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
LISTS = ["towns", "estates", "areas", "buildings", "homes", "people", "companies", "contracts", "committees", "facilities"]


def test_token_issue_and_bad_credentials(api):
    ok = api(None).post("/api/v1/auth/token", {"username": "admin", "password": "Fangguan-demo-2026"})
    assert ok.status_code == 200 and set(ok.json()) == {"token", "expires_at"}
    bad = api(None).post("/api/v1/auth/token", {"username": "admin", "password": "wrong-password"})
    assert bad.status_code == 401 and bad.json()["detail"]
    assert SecurityEvent.objects.filter(action="login_failed", actor_name="admin").exists()
    assert api(None).get("/api/v1/estates").status_code == 401
    garbage = api(None).client.get("/api/v1/estates", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert garbage.status_code == 401


def test_tokens_can_be_listed_and_revoked(api):
    client = api("wuye")
    (token,) = client.get("/api/v1/auth/tokens").json()
    assert client.delete(f"/api/v1/auth/tokens/{token['id']}").status_code == 204
    assert client.get("/api/v1/estates").status_code == 401  # the revoked token no longer works
    assert SecurityEvent.objects.filter(action="token_revoked", actor_name="wuye").exists()


@pytest.mark.parametrize("resource", LISTS)
def test_lists_have_count_items_ids_and_refs(api, resource):
    body = api("admin").get(f"/api/v1/{resource}", limit=3).json()
    assert set(body) == {"count", "items"}
    assert body["count"] >= len(body["items"]) > 0
    for item in body["items"]:
        assert isinstance(item["id"], int)
        for value in item.values():
            if isinstance(value, dict):
                assert set(value) == {"id", "name"}


def test_limit_is_clamped_never_refused(api):
    body = api("admin").get("/api/v1/homes", limit=100000).json()
    assert len(body["items"]) == 500 and body["count"] > 500
    assert api("admin").get("/api/v1/homes", limit=0).status_code == 200
    page1 = api("admin").get("/api/v1/estates", limit=5, offset=0).json()["items"]
    page2 = api("admin").get("/api/v1/estates", limit=5, offset=5).json()["items"]
    assert not {i["id"] for i in page1} & {i["id"] for i in page2}


def test_estate_items_carry_the_contract_fields(api):
    estate = m.Estate.objects.filter(buildings__isnull=False).first()
    item = api("admin").get(f"/api/v1/estates/{estate.pk}").json()
    for key in ("id", "code", "name", "town", "estate_type", "delivered_on", "floor_area_m2", "buildings_count", "homes_count"):
        assert key in item
    assert item["buildings_count"] == estate.buildings.count()
    assert item["homes_count"] == m.Home.objects.filter(building__estate=estate).count()
    assert isinstance(item["floor_area_m2"], float)
    assert item["town"] == {"id": estate.town_id, "name": estate.town.name}


def test_filters_town_estate_and_q(api):
    client = api("admin")
    town = m.Town.objects.get(name="朱泾镇")
    body = client.get("/api/v1/estates", town=town.pk, limit=500).json()
    assert body["count"] == m.Estate.objects.filter(town=town).count()
    assert {i["town"]["id"] for i in body["items"]} == {town.pk}
    estate = m.Estate.objects.filter(buildings__isnull=False).first()
    homes = client.get("/api/v1/homes", estate=estate.pk).json()
    assert homes["count"] == m.Home.objects.filter(building__estate=estate).count()
    # Pinyin initials find Chinese names.
    from fangguan.core.text import pinyin_key

    initials = pinyin_key(estate.name).split()[1]
    found = client.get("/api/v1/estates", q=initials, limit=500).json()
    assert estate.pk in {i["id"] for i in found["items"]}
    assert client.get("/api/v1/estates", ordering="-floor_area_m2", limit=2).status_code == 200
    assert client.get("/api/v1/estates", ordering="secret_field").status_code == 422


def test_people_are_masked_and_searched_by_post(api):
    client = api("zhujing")
    body = client.get("/api/v1/people", limit=20).json()
    assert body["items"]
    for person in body["items"]:
        assert "*" in person["id_number"] and "*" in person["phone"]
    target = m.Person.objects.visible_to(client_user("zhujing")).exclude(id_number_cipher="").first()
    found = client.post("/api/v1/people/search", {"id_number": target.id_number_clear().lower()}).json()
    assert [p["id"] for p in found["items"]] == [target.pk]
    found = client.post("/api/v1/people/search", {"phone": target.phone_clear()}).json()
    assert target.pk in [p["id"] for p in found["items"]]
    # Someone outside the caller's scope is not found, exactly as if unknown.
    outsider = m.Person.objects.exclude(pk__in=m.Person.objects.visible_to(client_user("zhujing"))).exclude(id_number_cipher="").first()
    assert client.post("/api/v1/people/search", {"id_number": outsider.id_number_clear()}).json()["count"] == 0
    assert client.post("/api/v1/people/search", {}).status_code == 422


def client_user(username):
    from fangguan.accounts.models import User

    return User.objects.get(username=username)


def test_reveal_endpoint(api):
    person = m.Person.objects.visible_to(client_user("zhujing")).exclude(id_number_cipher="").first()
    r = api("zhujing").post(f"/api/v1/people/{person.pk}/reveal", {"field": "id_number", "reason": "核对"})
    assert r.json() == {"value": person.id_number_clear()}
    wuye_sees = m.Person.objects.visible_to(client_user("wuye")).first()
    r = api("wuye").post(f"/api/v1/people/{wuye_sees.pk}/reveal", {"field": "phone", "reason": "联系业主"})
    assert r.status_code == 403
    r = api("wuye").post(f"/api/v1/people/{person.pk}/reveal", {"field": "phone", "reason": "x" * 5})
    assert r.status_code in (403, 404)


def test_create_update_delete_round_trip_with_history(api):
    client = api("admin")
    town = m.Town.objects.get(name="枫泾镇")
    r = client.post("/api/v1/estates", {"code": "API001", "name": "接口测试小区", "town": town.pk,
                                        "estate_type": "commercial", "floor_area_m2": 12000.5,
                                        "delivered_on": "2024-05-01"})
    assert r.status_code == 201, r.content
    estate_id = r.json()["id"]
    assert client.patch(f"/api/v1/estates/{estate_id}", {"name": "接口测试小区二期"}).json()["name"] == "接口测试小区二期"
    history = client.get("/api/v1/audit", object_type="estate", object_id=estate_id).json()
    assert history["count"] == 2
    newest = history["items"][0]
    assert newest["action"] == "update" and newest["actor"] == "admin"
    assert newest["before"] == {"name": "接口测试小区"} and newest["after"] == {"name": "接口测试小区二期"}
    assert {"at", "actor", "action", "before", "after"} <= set(newest)
    assert client.delete(f"/api/v1/estates/{estate_id}").status_code == 204
    assert client.get(f"/api/v1/estates/{estate_id}").status_code == 404
    # Deleting what others refer to is refused with a reason.
    used = m.Estate.objects.filter(buildings__isnull=False).first()
    r = client.delete(f"/api/v1/estates/{used.pk}")
    assert r.status_code == 422 and r.json()["detail"]


def test_bad_input_gets_chinese_field_errors(api):
    r = api("admin").post("/api/v1/estates", {"code": "X", "name": "x", "town": 999999, "estate_type": "castle",
                                              "floor_area_m2": -5})
    assert r.status_code == 422
    body = r.json()
    assert "town" in body["errors"]
    r = api("admin").post("/api/v1/estates", {"code": "X", "name": "x", "town": m.Town.objects.first().pk,
                                              "estate_type": "castle", "floor_area_m2": -5})
    errors = r.json()["errors"]
    assert {"estate_type", "floor_area_m2"} <= set(errors)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"])  # Chinese by default
    r = api("admin").client.post("/api/v1/estates", "{not json", content_type="application/json",
                                 **api("admin").headers)
    assert r.status_code in (400, 422)


def test_history_follows_the_record_scope(api):
    estate = m.Estate.objects.filter(town__name="石化街道").first()
    api("admin").patch(f"/api/v1/estates/{estate.pk}", {"address": "新地址1号"})
    assert api("zhujing").get("/api/v1/audit", object_type="estate", object_id=estate.pk).status_code == 404
    assert api("auditor").get("/api/v1/audit", object_type="estate", object_id=estate.pk).json()["count"] >= 1
    assert api("admin").get("/api/v1/audit", object_type="nonsense", object_id=1).status_code == 422


def test_openapi_schema_needs_a_token_and_matches_the_committed_copy(api):
    assert api(None).get("/api/v1/openapi.json").status_code == 401
    schema = api("admin").get("/api/v1/openapi.json").json()
    committed = json.loads(SCHEMA_COPY.read_text())
    assert schema == committed, (
        "The API changed. If deliberate, refresh the copy: "
        ".venv/bin/python manage.py export_openapi > docs/openapi.json"
    )


def test_healthz(client, db):
    r = client.get("/healthz", HTTP_HOST="127.0.0.1")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["database"]["migrations_pending"] == 0


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_list_query_count_does_not_grow_with_rows(api, resource):
    """No N+1: a page of 2 and a page of 200 cost the same number of queries."""
    client = api("zhujing")
    client.get(f"/api/v1/{resource}", limit=1)  # warm up the token and caches
    counts = []
    for limit in (2, 200):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/{resource}", limit=limit).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts


def test_writes_are_logged_once_per_request(api):
    client = api("admin")
    before = ChangeLog.objects.count()
    facility = m.Facility.objects.first()
    client.patch(f"/api/v1/facilities/{facility.pk}", {"location": "东门"})
    entry = ChangeLog.objects.latest("id")
    assert ChangeLog.objects.count() == before + 1
    assert entry.cause == "api" and entry.request_id


def test_pages_are_chinese_first_and_the_api_follows_accept_language(client, db):
    page = client.get("/login/", HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-Hans">' in page.content.decode()
    english = client.post("/api/v1/auth/token", {"username": "admin", "password": "nope-nope-1"},
                          content_type="application/json", HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.post("/api/v1/auth/token", {"username": "admin", "password": "nope-nope-1"},
                          content_type="application/json", HTTP_HOST="127.0.0.1")
    assert english.json()["detail"] == "Wrong username or password."
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.json()["detail"])
