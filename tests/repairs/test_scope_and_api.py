"""Who sees which requests (each role, computed here from the raw records), and the API
contract: create, list filters, detail with events, actions refused with 403/409 and a Chinese
message changing nothing, the catalogue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangguan.accounts.models import Membership, User
from fangguan.registry import models as rm
from fangguan.repairs import services
from fangguan.repairs.models import RepairEvent, RepairRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(world):
    """Requests in both companies' estates, by both residents and by phone."""
    mine = [world.file(description=f"漏水 {i}", place="grounds", home=None) for i in range(2)]
    mine.append(services.create_request(world.dispatcher, estate=world.estate, category=world.category,
                                        description="电话报修", place="lift", channel="phone"))
    theirs = [services.create_request(world.other_resident, estate=world.other_estate, home=world.other_home,
                                      category=world.category, description="对面小区")]
    return mine, theirs


def expected_ids(user) -> set[int]:
    """Restated from the issue over the raw rows, not through the scope rules."""
    today = timezone.localdate()
    every = list(RepairRequest.objects.select_related("estate"))
    kinds = {(m.organisation.kind, m.organisation) for m in Membership.objects.filter(user=user, active=True)
             .select_related("organisation")}
    seen = {r.pk for r in every if r.reporter_id == user.pk}
    for kind, org in kinds:
        if kind in ("bureau", "audit"):
            return {r.pk for r in every}
        for r in every:
            if kind == "town_office" and r.estate.town_id == org.town_id:
                seen.add(r.pk)
            if kind == "neighbourhood" and r.estate.neighbourhood_id == org.neighbourhood_id:
                seen.add(r.pk)
            if kind == "company":
                served = {c.area.estate_id for c in rm.Contract.objects.select_related("area")
                          if c.company_id == org.company_id and c.start_on <= today
                          and (c.end_on is None or c.end_on >= today)
                          and (c.terminated_on is None or c.terminated_on > today)}
                if r.estate_id in served:
                    seen.add(r.pk)
    return seen


ACCOUNTS = ["admin", "auditor", "zhujing", "juweihui", "wuye", "yeweihui", "yezhu", "sysadmin", "shifu", "zhen",
            "other-dispatcher", "other-resident"]


@pytest.mark.parametrize("username", ACCOUNTS)
def test_each_role_sees_exactly_its_requests(world, spread, api, username):
    user = User.objects.get(username=username)
    want = expected_ids(user)
    got = set(RepairRequest.objects.visible_to(user).values_list("pk", flat=True))
    assert got == want
    r = api(username).get("/api/v1/repairs", limit=500)
    if username in ("sysadmin",):
        assert r.status_code == 200 and r.json()["count"] == 0
        return
    assert {item["id"] for item in r.json()["items"]} == want
    mine, theirs = spread
    for req in mine + theirs:
        status = api(username).get(f"/api/v1/repairs/{req.pk}").status_code
        assert status == (200 if req.pk in want else 404)


def test_a_company_never_sees_another_companys_and_a_resident_only_their_own(world, spread):
    mine, theirs = spread
    wuye = set(RepairRequest.objects.visible_to(world.dispatcher).values_list("pk", flat=True))
    other = set(RepairRequest.objects.visible_to(world.other_dispatcher).values_list("pk", flat=True))
    assert {r.pk for r in mine} <= wuye and not wuye & {r.pk for r in theirs}
    assert {r.pk for r in theirs} <= other and not other & {r.pk for r in mine}
    assert set(RepairRequest.objects.visible_to(world.resident).values_list("pk", flat=True)) == {
        r.pk for r in mine if r.reporter_id == world.resident.pk}


def test_create_list_detail_and_act_through_the_api(world, api):
    yezhu, wuye = api("yezhu"), api("wuye")
    r = yezhu.post("/api/v1/repairs", {"estate": world.estate.pk, "home": world.home.pk, "category": "roof-leak",
                                       "description": "顶楼渗水", "urgent": True})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "submitted" and body["urgent"] is False and body["urgent_requested"] is True
    assert body["response_due_at"] and body["complete_due_at"] and body["events"][0]["kind"] == "created"
    assert set(body["actions"]) == {"cancel", "escalate"}
    rid = body["id"]
    queue = wuye.get("/api/v1/repairs", status="submitted", estate=world.estate.pk, ordering="deadline").json()
    assert rid in [i["id"] for i in queue["items"]]
    dues = [i["complete_due_at"] for i in queue["items"]]
    assert dues == sorted(dues)
    assert rid not in [i["id"] for i in wuye.get("/api/v1/repairs", overdue="true").json()["items"]]

    # refused: 403 for the wrong actor, 409 in the wrong state; Chinese messages; nothing changed
    before = (RepairRequest.objects.filter(pk=rid).values().get(), RepairEvent.objects.filter(request_id=rid).count())
    r = yezhu.post(f"/api/v1/repairs/{rid}/actions", {"action": "accept"})
    assert r.status_code == 403 and "不能" in r.json()["detail"], r.json()
    r = wuye.post(f"/api/v1/repairs/{rid}/actions", {"action": "complete"})
    assert r.status_code == 409 and "已提交" in r.json()["detail"], r.json()
    r = yezhu.post(f"/api/v1/repairs/{rid}/actions", {"action": "confirm", "rating": 5})
    assert r.status_code == 409
    r = wuye.post(f"/api/v1/repairs/{rid}/actions", {"action": "reject"})
    assert r.status_code == 422 and r.json()["errors"]["reason"]
    assert (RepairRequest.objects.filter(pk=rid).values().get(),
            RepairEvent.objects.filter(request_id=rid).count()) == before

    for action in ({"action": "assign", "assignee": world.technician.pk}, {"action": "start"},
                   {"action": "complete", "note": "已修复"}):
        r = wuye.post(f"/api/v1/repairs/{rid}/actions", action)
        assert r.status_code == 200, r.content
    r = yezhu.post(f"/api/v1/repairs/{rid}/actions", {"action": "confirm", "rating": 5, "comment": "谢谢"})
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["rating"] == 5
    kinds = [e["kind"] for e in r.json()["events"]]
    assert kinds == ["created", "assigned", "started", "completed", "confirmed"]
    assert api("other-dispatcher").get(f"/api/v1/repairs/{rid}").status_code == 404
    assert api("other-dispatcher").post(f"/api/v1/repairs/{rid}/actions", {"action": "accept"}).status_code == 404


def test_bad_input_is_422_and_files_nothing(world, api):
    count = RepairRequest.objects.count()
    yezhu = api("yezhu")
    r = yezhu.post("/api/v1/repairs", {"estate": world.estate.pk, "category": "no-such", "description": "x"})
    assert r.status_code == 422
    r = yezhu.post("/api/v1/repairs", {"estate": world.other_estate.pk, "category": "other", "description": "x"})
    assert r.status_code == 422  # an estate you cannot see does not exist
    r = yezhu.post("/api/v1/repairs", {"estate": world.estate.pk, "category": "other", "description": "  "})
    assert r.status_code == 422
    assert RepairRequest.objects.count() == count


def test_the_catalogue(api):
    r = api("yezhu").get("/api/v1/repairs/categories")
    assert r.status_code == 200
    by_code = {c["code"]: c for c in r.json()}
    assert by_code["water-leak"]["urgent"] is True and by_code["water-leak"]["onsite_response_minutes"] == 30
    assert by_code["roof-leak"]["complete_workdays"] == 3 and by_code["roof-leak"]["urgent_response_minutes"] == 120


def test_the_grid_supervises_and_escalates_through_the_api(world, api):
    r = world.file()
    due = (timezone.now() + dt.timedelta(days=1)).isoformat()
    res = api("juweihui").post(f"/api/v1/repairs/{r.pk}/actions", {"action": "supervise", "note": "请处理",
                                                                   "answer_due": due})
    assert res.status_code == 200 and res.json()["supervisions"][0]["note"] == "请处理"
    res = api("juweihui").post(f"/api/v1/repairs/{r.pk}/actions", {"action": "escalate", "note": "协调不了"})
    assert res.status_code == 200 and res.json()["escalations"][0]["level"] == "town"


def test_the_bureau_edits_the_catalogue_and_nobody_else(api):
    from fangguan.core.models import ChangeLog
    from fangguan.repairs.models import Category

    r = api("wuye").patch("/api/v1/repairs/categories/lighting", {"complete_workdays": 5})
    assert r.status_code == 403 and Category.objects.get(code="lighting").complete_workdays == 3
    r = api("admin").patch("/api/v1/repairs/categories/lighting", {"complete_workdays": 5, "urgent": True})
    assert r.status_code == 200 and r.json()["complete_workdays"] == 5 and r.json()["urgent"] is True
    assert ChangeLog.objects.filter(object_type__contains="category").exists()
    r = api("admin").patch("/api/v1/repairs/categories/lighting", {"response_workdays": 9})
    assert r.status_code == 422  # the response cannot be due after the fix (Category.clean)
    assert api("admin").patch("/api/v1/repairs/categories/nope", {"urgent": True}).status_code == 404
