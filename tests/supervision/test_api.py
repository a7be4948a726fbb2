"""The API contract and who sees what, for every role (anonymous included): a company sees its
own inspections, complaints and credit file, never another company's; a town office its town;
residents only their own complaints; refusals (401 / 403 / 404 / 409 / 422) change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from fangguan.supervision import services
from fangguan.supervision.models import Breach, Complaint, Finding, Inspection
from tests.conftest import ApiClient

ROLES = ["bureau", "officer", "other_town", "hood", "committee", "north_manager", "north_tech", "south_manager",
         "resident", "south_resident", "developer", "auditor", "sysadmin", None]


@pytest.fixture
def clients(world):
    return {role: ApiClient(world.users[role].username if role else None) for role in ROLES}


@pytest.fixture
def inspections(world):
    submitted = services.inspection_create(actor=world.officer, estate=world.north, kind="town_monthly",
                                           inspected_on=dt.date(2025, 3, 5))
    results = {r.code: {"result": "fail" if r.code == "T05" else "pass"} for r in submitted.results.all()}
    services.inspection_act(world.officer, submitted, "check", results=results,
                            findings=[{"code": "T05", "description": "外墙破损"}])
    submitted = services.inspection_act(world.officer, submitted, "submit")
    draft = services.inspection_create(actor=world.officer, estate=world.south, kind="town_monthly",
                                       inspected_on=dt.date(2025, 3, 6))
    return submitted, draft


SEES_INSPECTIONS = {"bureau": 2, "officer": 2, "other_town": 0, "hood": 1, "committee": 1, "north_manager": 1,
                    "north_tech": 1, "south_manager": 0, "resident": 0, "south_resident": 0, "developer": 0,
                    "auditor": 2, "sysadmin": 0}


def test_who_sees_inspections(world, clients, inspections):
    submitted, draft = inspections
    for role in ROLES:
        r = clients[role].get("/api/v1/supervision/inspections", town=world.town.pk)
        if role is None:
            assert r.status_code == 401
            continue
        assert r.status_code == 200, (role, r.content)
        assert r.json()["count"] == SEES_INSPECTIONS[role], role
        detail = clients[role].get(f"/api/v1/supervision/inspections/{submitted.pk}")
        assert detail.status_code == (200 if SEES_INSPECTIONS[role] else 404), role


def test_answering_a_finding_refused_changes_nothing(world, clients, inspections):
    submitted, _ = inspections
    finding = Finding.objects.get(inspection=submitted)
    url = f"/api/v1/supervision/inspections/{submitted.pk}/actions"
    expected = {"south_manager": 404, "north_tech": 403, "officer": 403, "resident": 404, "bureau": 403,
                "auditor": 403, "sysadmin": 404, None: 401}
    for role, code in expected.items():
        r = clients[role].post(url, {"action": "answer", "answer": "已整改"})
        assert r.status_code == code, (role, r.content)
        if code in (403, 409):
            assert r.json()["detail"]
    finding.refresh_from_db()
    assert finding.status == "open" and finding.answer == "" and submitted.events.count() == 3
    r = clients["north_manager"].post(url, {"action": "answer", "answer": "已整改", "finding": finding.pk})
    assert r.status_code == 200 and r.json()["findings"][0]["status"] == "answered"
    r = clients["north_manager"].post(url, {"action": "answer", "answer": "again"})
    assert r.status_code == 409  # nothing left to answer
    r = clients["officer"].post(url, {"action": "launch"})
    assert r.status_code == 422


def test_inspection_created_over_the_api(world, clients):
    r = clients["officer"].post("/api/v1/supervision/inspections",
                                {"estate": world.north.pk, "kind": "town_monthly", "inspected_on": "2025-04-01"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["template"]["version"] == 1 and body["company"]["id"] == world.north_co.pk
    assert len(body["results"]) == 12 and body["actions"] == ["check", "submit", "cancel"]
    before = Inspection.objects.count()
    assert clients["north_manager"].post("/api/v1/supervision/inspections", {
        "estate": world.north.pk, "inspected_on": "2025-04-01"}).status_code == 403
    assert clients["other_town"].post("/api/v1/supervision/inspections", {
        "estate": world.north.pk, "inspected_on": "2025-04-01"}).status_code in (403, 422)
    assert Inspection.objects.count() == before


def test_complaints_scope(world, clients):
    r = clients["resident"].post("/api/v1/supervision/complaints", {"estate": world.north.pk,
                                                                    "description": "保安不在岗"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["company"]["id"] == world.north_co.pk and body["channel"] == "web"
    cid = body["id"]
    sees = {"bureau": 1, "officer": 1, "other_town": 0, "hood": 1, "committee": 1, "north_manager": 1,
            "north_tech": 1, "south_manager": 0, "resident": 1, "south_resident": 0, "developer": 0, "auditor": 1,
            "sysadmin": 0}
    for role in ROLES:
        r = clients[role].get("/api/v1/supervision/complaints")
        if role is None:
            assert r.status_code == 401
            continue
        mine = [c for c in r.json()["items"] if c["id"] == cid]
        assert len(mine) == sees[role], role
    # the south resident cannot complain about the north estate (nor see it to name it)
    before = Complaint.objects.count()
    r = clients["south_resident"].post("/api/v1/supervision/complaints", {"estate": world.north.pk,
                                                                          "description": "x"})
    assert r.status_code == 422
    assert clients[None].post("/api/v1/supervision/complaints", {"estate": world.north.pk,
                                                                 "description": "x"}).status_code == 401
    assert Complaint.objects.count() == before
    # the company takes it on and replies; the town upholds; the reporter cannot decide
    url = f"/api/v1/supervision/complaints/{cid}/actions"
    assert clients["south_manager"].post(url, {"action": "take"}).status_code == 404
    assert clients["north_manager"].post(url, {"action": "take"}).json()["status"] == "handling"
    assert clients["north_manager"].post(url, {"action": "reply", "reply": "已安排保安"}).json()["status"] == "replied"
    assert clients["resident"].post(url, {"action": "uphold", "decision": "x"}).status_code == 403
    assert clients["officer"].post(url, {"action": "uphold", "decision": "属实"}).json()["status"] == "upheld"


def test_credit_file_scope(world, clients):
    services.breach_record(actor=world.bureau, company=world.north_co, severity="minor", rule="r",
                           occurred_on=dt.date.today() - dt.timedelta(days=10))
    url = f"/api/v1/companies/{world.north_co.pk}/credit"
    expected = {"bureau": 200, "officer": 200, "other_town": 200, "hood": 200, "committee": 200,
                "north_manager": 200, "north_tech": 200, "south_manager": 404, "resident": 404,
                "south_resident": 404, "developer": 404, "auditor": 200, "sysadmin": 404, None: 401}
    for role, code in expected.items():
        r = clients[role].get(url)
        assert r.status_code == code, (role, r.content)
        if code == 200:
            assert r.json()["points"] == 3 and len(r.json()["breaches"]) == 1
    # the bureau records; nobody else
    before = Breach.objects.count()
    for role in ("officer", "north_manager", "resident", "auditor", None):
        r = clients[role].post("/api/v1/supervision/breaches", {"company": world.north_co.pk, "severity": "minor",
                                                                "rule": "r", "occurred_on": "2025-01-01"})
        assert r.status_code in (401, 403, 404), role
    assert Breach.objects.count() == before
    r = clients["bureau"].post("/api/v1/supervision/breaches", {"company": world.north_co.pk, "severity": "major",
                                                                "rule": "r", "occurred_on": "2025-01-01"})
    assert r.status_code == 422 and Breach.objects.count() == before


def test_evaluations_scope(world, clients):
    year = dt.date.today().year
    for role, code in {"bureau": 200, "officer": 200, "north_manager": 200, "resident": 403, "sysadmin": 403,
                       None: 401}.items():
        r = clients[role].get("/api/v1/supervision/evaluations", year=year, town=world.town.pk)
        assert r.status_code == code, role
    rows = clients["north_manager"].get("/api/v1/supervision/evaluations", year=year, town=world.town.pk).json()
    assert [it["company"]["id"] for it in rows["items"]] == [world.north_co.pk]
    rows = clients["bureau"].get("/api/v1/supervision/evaluations", year=year, town=world.town.pk).json()
    assert {it["company"]["id"] for it in rows["items"]} == {world.north_co.pk, world.south_co.pk}


def _counts() -> tuple:
    from fangguan.supervision.models import Assignment, Handover, PoolEntry, ProjectManager, Survey

    return tuple(m.objects.count() for m in (Inspection, Breach, Complaint, ProjectManager, Assignment, Survey,
                                             PoolEntry, Handover))


def test_a_body_naming_no_such_record_is_bad_input_as_in_the_registry(world, clients):
    """A create whose body names a record that does not exist, or one the caller may not see,
    answers 422 on that field ("记录不存在"), as the registry's creates do; the path's record
    still answers 404. Nothing is written."""
    from fangguan.registry.models import Company
    from fangguan.supervision.models import ProjectManager

    missing = (Company.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 10_000
    pm = services.manager_create(actor=world.north_manager, company=world.north_co, name="孙经理",
                                 certificate_no="PM-API-1")
    other_pm = ProjectManager.objects.create(name="外公司经理", certificate_no="PM-API-2", company=world.south_co)
    bureau, north, south_res = clients["bureau"], clients["north_manager"], clients["south_resident"]
    cases = [
        (bureau, "/api/v1/supervision/inspections", {"estate": missing, "kind": "district_spot",
                                                     "inspected_on": "2025-04-01"}, "estate"),
        (bureau, "/api/v1/supervision/breaches", {"company": missing, "severity": "minor", "rule": "r",
                                                  "occurred_on": "2025-04-01"}, "company"),
        (bureau, "/api/v1/supervision/breaches", {"company": world.north_co.pk, "severity": "minor", "rule": "r",
                                                  "occurred_on": "2025-04-01", "complaint": missing}, "complaint"),
        (bureau, "/api/v1/supervision/breaches", {"company": world.north_co.pk, "severity": "minor", "rule": "r",
                                                  "occurred_on": "2025-04-01", "inspection": missing,
                                                  "code": "T01"}, "inspection"),
        (bureau, "/api/v1/supervision/managers", {"company": missing, "name": "x", "certificate_no": "PM-X"},
         "company"),
        (north, f"/api/v1/supervision/managers/{pm.pk}/assignments", {"estate": missing, "start_on": "2025-04-01"},
         "estate"),
        (clients["resident"], "/api/v1/supervision/complaints", {"estate": missing, "description": "x"}, "estate"),
        # a record outside the caller's scope answers the same: the south resident names the north estate,
        # the north company another company's project manager
        (south_res, "/api/v1/supervision/complaints", {"estate": world.north.pk, "description": "x"}, "estate"),
        (clients["resident"], "/api/v1/supervision/complaints", {"estate": world.north.pk, "description": "x",
                                                                 "manager": missing}, "manager"),
        (north, "/api/v1/supervision/surveys", {"estate": world.north.pk, "company": missing,
                                                "year": 2024, "households": 10, "responded": 6, "satisfied": 5},
         "company"),
        (north, "/api/v1/supervision/pool/applications", {"company": missing}, "company"),
        (north, "/api/v1/handovers", {"estate": world.south.pk, "company": world.north_co.pk,
                                      "inspected_on": "2025-05-01", "delivery_on": "2025-06-30"}, "estate"),
    ]
    before = _counts()
    for client, url, body, field in cases:
        r = client.post(url, body)
        assert r.status_code == 422, (url, field, r.content)
        assert list(r.json()["errors"]) == [field], (url, r.json())
        assert r.json()["errors"][field][0].startswith("记录不存在"), r.json()
    assert _counts() == before
    # the path's record is still 404: another company's project manager
    r = north.post(f"/api/v1/supervision/managers/{other_pm.pk}/assignments", {"estate": world.north.pk,
                                                                              "start_on": "2025-04-01"})
    assert r.status_code == 404
