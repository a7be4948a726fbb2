"""Open311 GeoReport v2 (JSON): every call needs a token (header or api_key), answers are
scoped like the API, carry no personal data, and errors are the spec's array."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from fangguan.repairs import services
from fangguan.repairs.models import Category, RepairRequest

pytestmark = pytest.mark.django_db


def token(api, username):
    return api(username).headers["HTTP_AUTHORIZATION"][7:]


def get(path, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return Client().get(path, params, **headers)


def test_every_call_needs_a_token(world):
    for path in ("/open311/v2/services.json", "/open311/v2/requests.json", "/open311/v2/requests/1.json"):
        answer = get(path)
        assert answer.status_code == 401
        assert answer.json()[0]["code"] == 401 and "令牌" in answer.json()[0]["description"]
    assert Client().post("/open311/v2/requests.json", {"service_code": "lighting"}).status_code == 401


def test_services_list_the_catalogue(world, api):
    answer = get("/open311/v2/services.json", token(api, "yezhu"))
    services_ = answer.json()
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    assert {s["service_code"] for s in services_} == set(Category.objects.filter(active=True).values_list("code", flat=True))
    lift = next(s for s in services_ if s["service_code"] == "lift-trapped")
    assert lift == {"service_code": "lift-trapped", "service_name": "电梯困人", "description": "电梯困人",
                    "metadata": False, "type": "realtime", "keywords": "", "group": "紧急维修"}


def test_api_key_parameter_works_too(world, api):
    assert get("/open311/v2/services.json", api_key=token(api, "yezhu")).status_code == 200
    assert get("/open311/v2/services.json", api_key="not-a-token").status_code == 401


def test_requests_are_scoped_and_carry_no_personal_data(world, api):
    mine = world.file(contact_name="张三", contact_phone="13812345678")
    services.act(world.manager, mine, "accept")
    answer = get("/open311/v2/requests.json", token(api, "yezhu"))
    assert answer.status_code == 200
    items = answer.json()
    assert [i["service_request_id"] for i in items] == [str(mine.pk)]
    item = items[0]
    mine.refresh_from_db()
    assert item["status"] == "open" and item["service_code"] == "water-supply"
    assert item["address_id"] == str(world.estate.pk) and world.estate.name in item["address"]
    assert item["expected_datetime"] is not None
    from django.utils.dateparse import parse_datetime

    assert parse_datetime(item["expected_datetime"]) == mine.complete_due_at.replace(microsecond=0)
    text = json.dumps(items, ensure_ascii=False)
    for personal in ("13812345678", "张三", "漏水", world.home.room_number):
        assert personal not in text
    assert "description" not in item
    # the company serving the estate sees it; the same id is 404 for a resident of elsewhere
    assert str(mine.pk) in [i["service_request_id"] for i in get("/open311/v2/requests.json", token(api, "wuye")).json()]
    one = get(f"/open311/v2/requests/{mine.pk}.json", token(api, "admin"))
    assert one.status_code == 200 and one.json()[0]["service_request_id"] == str(mine.pk)
    hidden = get(f"/open311/v2/requests/{mine.pk}.json", token(api, "yeweihui"))
    assert hidden.status_code == 404 and hidden.json()[0]["code"] == 404


def test_filters_and_closed_status(world, api):
    first = world.file()
    second = world.file(category="lighting", description="路灯坏了")
    services.act(world.resident, second, "cancel")
    key = token(api, "admin")
    by_ids = get("/open311/v2/requests.json", key, service_request_id=f"{first.pk},{second.pk}").json()
    assert {i["service_request_id"]: i["status"] for i in by_ids} == {str(first.pk): "open", str(second.pk): "closed"}
    ids = lambda **p: {i["service_request_id"] for i in get("/open311/v2/requests.json", key, **p).json()}  # noqa: E731
    assert str(second.pk) in ids(status="closed") and str(second.pk) not in ids(status="open")
    assert str(first.pk) in ids(service_code="water-supply") and str(second.pk) not in ids(service_code="water-supply")
    assert ids(start_date="2000-01-01T00:00:00+08:00", end_date="2000-01-02T00:00:00+08:00") == set()
    bad = get("/open311/v2/requests.json", key, start_date="yesterday")
    assert bad.status_code == 400 and "ISO 8601" in bad.json()[0]["description"]
    assert get("/open311/v2/requests.xml", key).status_code == 400
    assert get("/open311/v2/requests/abc.json", key).status_code == 404


def test_post_files_a_request(world, api):
    answer = Client().post("/open311/v2/requests.json", {
        "api_key": token(api, "wuye"), "service_code": "lighting", "address_id": str(world.estate.pk),
        "description": "3号楼楼道灯不亮", "first_name": "王", "phone": "13700000000"})
    assert answer.status_code == 201, answer.content
    created = answer.json()[0]
    request = RepairRequest.objects.get(pk=int(created["service_request_id"]))
    assert (request.channel, request.estate, request.category.code) == ("open311", world.estate, "lighting")
    assert "完成时限" in created["service_notice"]
    resident = Client().post("/open311/v2/requests.json", {
        "api_key": token(api, "yezhu"), "service_code": "lighting", "address_id": str(world.estate.pk),
        "description": "家门口灯坏了"})
    assert resident.status_code == 201
    assert RepairRequest.objects.get(pk=int(resident.json()[0]["service_request_id"])).reporter == world.resident


def test_post_errors_are_the_specs_array(world, api):
    key = token(api, "wuye")
    missing = Client().post("/open311/v2/requests.json", {"api_key": key, "description": "x"})
    assert missing.status_code == 400 and missing.json()[0]["description"] == "缺少 service_code（报修类别代码）。"
    nowhere = Client().post("/open311/v2/requests.json", {"api_key": key, "service_code": "lighting",
                                                         "description": "x", "lat": "10", "long": "10"})
    assert nowhere.status_code == 400 and nowhere.json()[0]["code"] == 400
    unknown = Client().post("/open311/v2/requests.json", {"api_key": key, "service_code": "nope",
                                                         "address_id": str(world.estate.pk), "description": "x"})
    assert unknown.status_code == 400
    other = Client().post("/open311/v2/requests.json", {"api_key": token(api, "auditor"), "service_code": "lighting",
                                                       "address_id": str(world.estate.pk), "description": "x"})
    assert other.status_code == 403 and other.json()[0]["code"] == 403


def test_a_service_definition_in_the_specs_shape(world, api):
    key = token(api, "yezhu")
    answer = get("/open311/v2/services/lift-trapped.json", key)
    assert answer.status_code == 200 and answer.json() == {"service_code": "lift-trapped", "attributes": []}
    Category.objects.filter(code="lift-trapped").update(active=False)
    for path in ("/open311/v2/services/lift-trapped.json", "/open311/v2/services/no-such.json"):
        answer = get(path, key)
        assert answer.status_code == 404 and answer.json()[0]["code"] == 404 and "服务" in answer.json()[0]["description"]
    assert get("/open311/v2/services/water-supply.json").status_code == 401
    assert get("/open311/v2/services/water-supply.xml", key).status_code == 400
    assert Client().post("/open311/v2/services/water-supply.json", {"api_key": key}).status_code == 405
    assert Category.objects.filter(active=True).count() == Category.objects.count() - 1  # nothing else changed
