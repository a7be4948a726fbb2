"""Development records through the API: the contract's lists and filters, the models' rules
(Chinese messages, nothing written), scope by town, and the Excel/CSV import kinds."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangguan.development import models as m
from fangguan.registry.models import Estate, Town


@pytest.fixture
def towns(db):
    return Town.objects.get(name="朱泾镇"), Town.objects.get(name="石化街道")


@pytest.fixture
def project(towns):
    zhujing, _ = towns
    return m.Project.objects.create(code="T-XM-1", name="测试商品住房项目", developer="测试置业", town=zhujing,
                                    housing_type="commercial")


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize(("path", "fields"), [
    ("permits", {"kind", "date", "project", "housing_type", "area_m2", "homes"}),
    ("parcels", {"date", "area_ha", "residential_share", "status"}),
    ("renovations", {"completed_on", "area_m2", "public_housing_area_m2"}),
    ("projects", {"code", "name", "developer", "town", "housing_type", "parcel"}),
])
def test_lists_carry_the_contract_fields(api, path, fields):
    body = api("admin").get(f"/api/v1/{path}", limit=3).json()
    assert set(body) == {"count", "items"} and body["count"] > 3 and len(body["items"]) == 3
    assert fields <= set(body["items"][0])
    assert len(api("admin").get(f"/api/v1/{path}", limit=2, offset=1).json()["items"]) == 2


def test_permit_filters_kind_town_and_inclusive_dates(api, towns):
    zhujing, _ = towns
    permits = m.Permit.objects.filter(kind="delivery").order_by("issued_on")
    day = permits.first().issued_on
    body = api("admin").get("/api/v1/permits", kind="delivery", **{"from": day.isoformat(), "to": day.isoformat()}).json()
    assert body["count"] == permits.filter(issued_on=day).count() >= 1
    assert all(i["kind"] == "delivery" and i["date"] == day.isoformat() for i in body["items"])
    body = api("admin").get("/api/v1/permits", town=zhujing.pk, kind="construction", limit=500).json()
    assert body["count"] == m.Permit.objects.filter(project__town=zhujing, kind="construction").count() > 0
    assert {i["town"]["id"] for i in body["items"]} == {zhujing.pk}
    assert api("admin").get("/api/v1/permits", kind="demolition").status_code == 422
    body = api("admin").get("/api/v1/renovations", **{"from": "2021-01-01", "to": "2021-12-31"}, limit=500).json()
    assert all("2021-01-01" <= i["completed_on"] <= "2021-12-31" for i in body["items"]) and body["count"]


@pytest.mark.parametrize(("path", "model", "params", "orm"), [
    ("parcels", m.Parcel, {"status": "listed"}, {"status": "listed"}),
    ("parcels", m.Parcel, {"planned_use": "mixed"}, {"planned_use": "mixed"}),
    ("parcels", m.Parcel, {"residential": "true"}, {"residential_share__gt": 0}),
    ("projects", m.Project, {"housing_type": "resettlement"}, {"housing_type": "resettlement"}),
    ("permits", m.Permit, {"kind": "presale"}, {"kind": "presale"}),
    ("permits", m.Permit, {"housing_type": "social_rental"}, {"project__housing_type": "social_rental"}),
    ("permits", m.Permit, {"project": "busiest"}, {"project_id": "busiest"}),
    ("permits", m.Permit, {"estate": "busiest"}, {"estate_id": "busiest"}),
    ("affordable", m.AffordableQuota, {"ready": "true"}, {"ready_on__isnull": False}),
    ("renovations", m.Renovation, {"kind": "comprehensive"}, {"kind": "comprehensive"}),
    ("renovations", m.Renovation, {"estate": "busiest"}, {"estates": "busiest"}),
])
def test_each_filter_counts_what_the_orm_counts(api, path, model, params, orm):
    """Every list filter selects exactly the rows the plain ORM lookup selects — and some, not all."""
    from django.db.models import Count

    key, lookup = next(iter(params)), next(iter(orm))
    if params[key] == "busiest":  # an id: the one referenced by most rows, so the filter has work to do
        field = lookup.removesuffix("_id")
        value = (model.objects.exclude(**{f"{field}__isnull": True}).values(field).annotate(n=Count("pk"))
                 .order_by("-n", field).first()[field])
        params, orm = {key: value}, {lookup: value}
    expected = model.objects.filter(**orm).distinct().count()
    body = api("admin").get(f"/api/v1/{path}", **params, limit=1).json()
    assert 0 < body["count"] == expected < model.objects.count(), (params, body["count"], expected)


def test_projects_in_a_range_have_a_permit_inside_it(api, project):
    """Not one permit after ``from`` and another before ``to``: a project started in 2016 and
    delivered in 2024 issued nothing in 2020–2021."""
    for kind, day in (("construction", "2016-05-01"), ("delivery", "2024-05-01")):
        m.Permit.objects.create(project=project, kind=kind, number=f"T-{kind}", issued_on=day, area_m2=1000)

    def listed(**span):
        return api("admin").get("/api/v1/projects", q=project.code, **span).json()["count"]

    assert listed(**{"from": "2020-01-01", "to": "2021-12-31"}) == 0
    assert listed(**{"from": "2016-01-01", "to": "2016-12-31"}) == listed(**{"from": "2024-05-01"}) == 1
    assert listed(to="2016-05-01") == listed(**{"from": "2016-05-01", "to": "2024-05-01"}) == 1
    assert listed(to="2016-04-30") == listed(**{"from": "2024-05-02"}) == 0


def test_a_town_office_sees_and_writes_its_town_only(api, towns, project):
    zhujing, shihua = towns
    body = api("zhujing").get("/api/v1/parcels", limit=500).json()
    assert body["count"] == m.Parcel.objects.filter(town=zhujing).count() > 0
    assert {i["town"]["id"] for i in body["items"]} == {zhujing.pk}
    other = m.Parcel.objects.filter(town=shihua).first()
    assert api("zhujing").get(f"/api/v1/parcels/{other.pk}").status_code == 404
    assert api("zhujing").patch(f"/api/v1/parcels/{other.pk}", {"name": "x"}).status_code == 404
    r = api("zhujing").post("/api/v1/parcels", {"code": "T-P-1", "town": shihua.pk, "area_ha": "3",
                                                "planned_use": "residential"})
    assert r.status_code == 403 and chinese(r.json()["detail"])
    assert not m.Parcel.objects.filter(code="T-P-1").exists()
    r = api("zhujing").post("/api/v1/parcels", {"code": "T-P-2", "town": zhujing.pk, "area_ha": "3",
                                                "planned_use": "residential"})
    assert r.status_code == 201
    for username in ("wuye", "yezhu", "juweihui", "sysadmin"):
        for path in ("parcels", "projects", "permits", "renovations", "affordable"):
            assert api(username).get(f"/api/v1/{path}").json()["count"] == 0, (username, path)
        assert api(username).post("/api/v1/projects", {"code": "T-X", "name": "x", "developer": "x",
                                                       "town": zhujing.pk, "housing_type": "commercial"}).status_code in (403, 422)
    assert api("auditor").get("/api/v1/permits").json()["count"] == m.Permit.objects.count()
    assert api("auditor").patch(f"/api/v1/projects/{project.pk}", {"name": "x"}).status_code == 403


@pytest.mark.parametrize(("path", "payload", "field"), [
    ("parcels", {"code": "T-P-3", "area_ha": "5", "planned_use": "mixed", "residential_share": "1"}, "residential_share"),
    ("parcels", {"code": "T-P-4", "area_ha": "5", "planned_use": "residential", "residential_share": "0.5"}, "residential_share"),
    ("parcels", {"code": "T-P-5", "area_ha": "5", "planned_use": "other", "residential_share": "0.2"}, "residential_share"),
    ("parcels", {"code": "T-P-6", "area_ha": "5", "planned_use": "residential", "status": "listed"}, "listed_on"),
    ("renovations", {"code": "T-R-1", "name": "x", "kind": "other", "area_m2": "100", "public_housing_area_m2": "200"},
     "public_housing_area_m2"),
    ("renovations", {"code": "T-R-2", "name": "x", "kind": "other", "area_m2": "100", "started_on": "2022-05-01",
                     "completed_on": "2022-04-01"}, "completed_on"),
])
def test_model_rules_refuse_with_chinese_messages(api, towns, path, payload, field):
    r = api("admin").post(f"/api/v1/{path}", {**payload, "town": towns[0].pk})
    assert r.status_code == 422 and field in r.json()["errors"] and chinese(r.json()["detail"]), r.json()
    assert not m.Parcel.objects.filter(code=payload["code"]).exists()
    assert not m.Renovation.objects.filter(code=payload["code"]).exists()


def test_permit_rules(api, towns, project):
    zhujing, shihua = towns
    here = Estate.objects.filter(town=zhujing).first()
    there = Estate.objects.filter(town=shihua).first()
    base = {"project": project.pk, "number": "T-JF-1", "issued_on": "2024-06-01", "area_m2": "5000", "homes": 50}
    cases = [({"kind": "delivery"}, "estate"), ({"kind": "delivery", "estate": there.pk}, "estate"),
             ({"kind": "construction", "estate": here.pk}, "estate"), ({"kind": "presale", "homes": None}, "homes")]
    for extra, field in cases:
        r = api("admin").post("/api/v1/permits", {**base, **extra})
        assert r.status_code == 422 and field in r.json()["errors"], (extra, r.json())
    r = api("admin").post("/api/v1/permits", {**base, "kind": "delivery", "estate": here.pk})
    assert r.status_code == 201 and r.json()["estate"]["id"] == here.pk and r.json()["housing_type"] == "commercial"
    resettlement = m.Project.objects.create(code="T-XM-2", name="安置", developer="x", town=zhujing, housing_type="resettlement")
    r = api("admin").post("/api/v1/permits", {**base, "project": resettlement.pk, "kind": "presale", "number": "T-YS-1"})
    assert r.status_code == 422 and "kind" in r.json()["errors"]
    r = api("admin").post("/api/v1/affordable", {"project": resettlement.pk, "homes": 5})
    assert r.status_code == 422 and "project" in r.json()["errors"]
    r = api("admin").post("/api/v1/affordable", {"project": project.pk, "homes": 5, "ready_on": "2024-01-01"})
    assert r.status_code == 422 and "ready_on" in r.json()["errors"]


def test_renovation_estates_must_be_in_its_town_and_round_trip(api, towns):
    from fangguan.core.models import ChangeLog

    zhujing, shihua = towns
    here = list(Estate.objects.filter(town=zhujing)[:2])
    there = Estate.objects.filter(town=shihua).first()
    payload = {"code": "T-R-9", "name": "测试修缮", "town": zhujing.pk, "kind": "roof_facade", "area_m2": "1000",
               "public_housing_area_m2": "300", "estates": [here[0].pk, there.pk]}
    r = api("admin").post("/api/v1/renovations", payload)
    assert r.status_code == 422 and "estates" in r.json()["errors"]
    assert not m.Renovation.objects.filter(code="T-R-9").exists()
    r = api("admin").post("/api/v1/renovations", {**payload, "estates": [e.pk for e in here]})
    assert r.status_code == 201 and {e["id"] for e in r.json()["estates"]} == {e.pk for e in here}
    pk = r.json()["id"]
    r = api("admin").patch(f"/api/v1/renovations/{pk}", {"completed_on": "2025-03-01", "started_on": "2024-09-01"})
    assert r.status_code == 200 and r.json()["completed_on"] == "2025-03-01"
    assert ChangeLog.objects.filter(object_type="renovation", object_id=pk).count() == 2
    assert api("admin").delete(f"/api/v1/renovations/{pk}").status_code == 204
    assert not m.Renovation.objects.filter(pk=pk).exists()


def run_import(user, kind, rows, django_capture_on_commit_callbacks, dry_run=False):
    from fangguan.accounts.models import User
    from fangguan.imports.services import import_create

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_create(actor=User.objects.get(username=user), kind=kind,
                            upload=SimpleUploadedFile("rows.csv", out.getvalue().encode("utf-8-sig")),
                            filename="rows.csv", dry_run=dry_run, mode="all_or_nothing")
    job.refresh_from_db()
    return job


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_import_kinds_write_through_the_rules(towns, project, django_capture_on_commit_callbacks):
    zhujing, shihua = towns
    here = Estate.objects.filter(town=zhujing).order_by("code")[:2]
    permits = [["项目编码", "证件类型", "证件编号", "发证日期", "住宅建筑面积(㎡)", "套数", "小区编码"],
               [project.code, "施工许可", "T-SG-1", "2023-03-01", "82000", "", ""],
               [project.code, "交付使用许可", "T-JF-9", "2025-05-01", "81000", "800", here[0].code]]
    job = run_import("zhujing", "permits", permits, django_capture_on_commit_callbacks)
    assert (job.created, job.failed) == (2, 0), job.errors
    assert m.Permit.objects.get(number="T-JF-9").estate == here[0]
    bad = [permits[0], [project.code, "交付使用许可", "T-JF-10", "2025-05-01", "81000", "800", ""]]
    job = run_import("admin", "permits", bad, django_capture_on_commit_callbacks)
    assert job.failed == 1 and not m.Permit.objects.filter(number="T-JF-10").exists()
    renovations = [["项目编码", "项目名称", "街镇", "改造类型", "涉及小区编码", "改造面积(㎡)", "其中公有住房(㎡)", "开工日期", "竣工日期"],
                   ["T-XS-1", "导入修缮", "朱泾镇", "屋面及外立面", "、".join(e.code for e in here), "50000", "20000",
                    "2024-01-01", "2024-10-01"]]
    job = run_import("zhujing", "renovations", renovations, django_capture_on_commit_callbacks)
    assert (job.created, job.failed) == (1, 0), job.errors
    assert set(m.Renovation.objects.get(code="T-XS-1").estates.all()) == set(here)
    again = run_import("zhujing", "renovations", renovations, django_capture_on_commit_callbacks)
    assert (again.unchanged, again.created) == (1, 0), again.errors
    fewer = [renovations[0], [*renovations[1][:4], here[0].code, *renovations[1][5:]]]
    job = run_import("zhujing", "renovations", fewer, django_capture_on_commit_callbacks)
    assert (job.updated, job.unchanged) == (1, 0), job.errors  # only the estates changed: still an update
    assert list(m.Renovation.objects.get(code="T-XS-1").estates.all()) == [here[0]]
    parcels = [["地块编码", "街镇", "面积(公顷)", "规划用地性质", "住宅比例", "挂牌完成日期", "状态"],
               ["T-JS-1", "石化街道", "4", "混合用地", "0.6", "2024-02-02", "已完成挂牌"]]
    job = run_import("zhujing", "parcels", parcels, django_capture_on_commit_callbacks)
    assert job.failed == 1 and not m.Parcel.objects.filter(code="T-JS-1").exists()
    job = run_import("admin", "parcels", parcels, django_capture_on_commit_callbacks)
    assert (job.created, job.failed) == (1, 0), job.errors
    assert m.Parcel.objects.get(code="T-JS-1").residential_ha == Decimal("2.4")
    assert dt.date(2024, 2, 2) == m.Parcel.objects.get(code="T-JS-1").listed_on


@pytest.mark.parametrize("resource", ["parcels", "projects", "permits", "affordable", "renovations"])
def test_lists_cost_the_same_queries_however_many_rows(api, client, users, resource):
    """No query per row: the API's page of 2 and of 200 cost the same number of queries, and the
    web list's full page of 50 rows costs a handful, not one or more a row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangguan.development.resources import RESOURCES

    assert RESOURCES[resource].model.objects.count() > 50
    api("admin").get(f"/api/v1/{resource}", limit=1)  # warm up the token and caches
    counts = []
    for limit in (2, 200):
        with CaptureQueriesContext(connection) as ctx:
            assert api("admin").get(f"/api/v1/{resource}", limit=limit).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    client.force_login(users["zhujing"])  # a town office: its edit rights are worked out per page, not per row
    client.get(f"/development/{resource}/")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(f"/development/{resource}/")
    assert page.status_code == 200 and len(page.context["rows"]) > 10
    assert len(ctx.captured_queries) <= 15, [q["sql"][:120] for q in ctx.captured_queries]
