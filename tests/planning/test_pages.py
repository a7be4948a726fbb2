"""The plan pages: progress (binding indicators marked, figures link to their records, the
method stated), the printable report with the 十三五 baseline and its .xlsx, the next plan
started from the form, the map layers — and who may open them."""

from __future__ import annotations

import io
import re

import pytest

from fangguan.core.models import SecurityEvent
from fangguan.planning.models import Plan
from tests.kit.files import without_mark


@pytest.fixture
def plan(db):
    return Plan.objects.get(code="14th")


def page(client, user, url, status=200):
    client.force_login(user)
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    return r.content.decode() if status == 200 else ""


def test_progress_page_marks_binding_and_links_every_figure(client, users, plan):
    html = page(client, users["admin"], f"/plans/{plan.pk}/?as_of=2023-06-30")
    rows = re.findall(r'<tr class="([^"]*)" data-indicator="([^"]+)" data-status="([^"]+)"', html)
    assert [code for _c, code, _s in rows] == [i.code for i in plan.indicators.all()]
    binding = {code for cls, code, _s in rows if "app-binding" in cls}
    assert binding == {"3", "3.1", "3.2", "3.3", "5.1"}
    assert {s for _c, _code, s in rows} <= {"on_track", "at_risk", "off_track", "achieved"}
    assert html.count('data-year="2023"') == 15 and 'data-year="2024"' not in html
    assert "/development/permits/?kind=delivery&amp;housing_type=resettlement&amp;from=2023-01-01&amp;to=2023-06-30" in html
    assert "0.95" in html and "0.5" in html  # the thresholds are on the page
    assert 'id="plan-map"' in html and "plans/map/deliveries" in html
    top = plan.indicators.filter(parent__isnull=True).count()  # one chart each, its data beside it
    assert html.count('class="app-chart"') == top > 0 and '<script id="plan-charts" type="application/json">' in html


def test_report_has_the_annex_with_baseline_and_exports_xlsx(client, users, plan):
    from python_calamine import CalamineWorkbook

    html = page(client, users["admin"], f"/plans/{plan.pk}/report/")
    assert 'data-as-of="2025-12-31"' in html and "planning/planning.css" in html
    bad = page(client, users["admin"], f"/plans/{plan.pk}/report/?as_of=2023-02-30")
    assert 'data-as-of="2025-12-31"' in bad and "“2023-02-30”" in bad  # the period's end, and why
    assert "十三五" in html and "data-print" in html
    assert html.count('<div class="col-6"><figure class="card card-body app-chart-card') == plan.indicators.filter(
        parent__isnull=True).count() and '<script id="report-charts" type="application/json">' in html
    review = re.search(r'<table class="table table-sm table-bordered w-auto app-review">(.*?)</table>', html, re.S).group(1)
    assert ">41<" in review and ">436<" in review and ">56<" in review and ">395<" in review and ">711<" in review
    client.force_login(users["admin"])
    before = SecurityEvent.objects.filter(action="export").count()
    r = client.get(f"/plans/{plan.pk}/report.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r["Content-Disposition"] == f'attachment; filename="plan-{plan.code}-2025-12-31.xlsx"'
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(r.streaming_content)))
    rows = without_mark(book.get_sheet_by_name("主要指标").to_python())
    assert rows[1][:5] == ["序号", "指标名称", "单位", "属性", "目标值"]
    assert [r[0] for r in rows[2:]] == [i.code for i in plan.indicators.all()]
    land = next(r for r in rows if r[0] == "1")
    assert land[5] == 176.25 and land[7] == "已完成"
    assert SecurityEvent.objects.filter(action="export").count() == before + 1


def test_town_office_sees_its_part_and_others_are_refused(client, users, plan):
    town = page(client, users["zhujing"], f"/plans/{plan.pk}/report/")
    district = page(client, users["admin"], f"/plans/{plan.pk}/report/")
    assert town != district
    for username in ("wuye", "yezhu", "sysadmin"):
        page(client, users[username], f"/plans/{plan.pk}/", status=403)
    page(client, users["zhujing"], f"/plans/{plan.pk}/next/", status=403)
    page(client, users["admin"], "/plans/999999/", status=404)


def test_start_the_next_plan_from_the_form(client, users, plan):
    client.force_login(users["admin"])
    form = {"code": "15th", "name": "金山区住房发展“十五五”规划"}
    form.update({f"target-{i.code}": "1" for i in plan.indicators.all()})
    form["target-3"] = "abc"
    r = client.post(f"/plans/{plan.pk}/next/", form)
    assert r.status_code == 422 and not Plan.objects.filter(code="15th").exists()
    form["target-3"] = "300"
    r = client.post(f"/plans/{plan.pk}/next/", form)
    new = Plan.objects.get(code="15th")
    assert r.status_code == 302 and r["Location"] == f"/plans/{new.pk}/"
    assert (new.start_year, new.end_year, new.indicators.count()) == (2026, 2030, 15)
    assert new.indicators.get(code="3").target == 300
    assert "not_started" in page(client, users["admin"], f"/plans/{new.pk}/?as_of=2025-12-31")


def test_map_layers_are_the_records_counted(api, plan):
    from django.db.models import Sum

    from fangguan.core.units import wan
    from fangguan.development.models import Permit, Renovation

    body = api("admin").get("/api/v1/plans/map/deliveries", **{"from": "2021-01-01", "to": "2025-12-31"}).json()
    counted = Permit.objects.filter(kind="delivery", issued_on__range=("2021-01-01", "2025-12-31"),
                                    estate__latitude__isnull=False).count()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == counted > 0
    mine = api("zhujing").get("/api/v1/plans/map/deliveries", **{"from": "2021-01-01", "to": "2025-12-31"}).json()
    assert 0 < len(mine["features"]) < counted and {f["properties"]["town"] for f in mine["features"]} == {"朱泾镇"}
    assert api("wuye").get("/api/v1/plans/map/parcels").json()["features"] == []
    areas = api("admin").get("/api/v1/plans/map/renovations", **{"from": "2021-01-01", "to": "2025-12-31"}).json()
    assert areas["approximate"] and areas["features"]
    renovated = (Renovation.objects.filter(completed_on__range=("2021-01-01", "2025-12-31"), estates__latitude__isnull=False)
                 .values_list("town__name").distinct())
    by_town = {f["properties"]["town"]: f["properties"]["area"] for f in areas["features"]}
    assert set(by_town) == {t for (t,) in renovated}  # a town with located renovated estates: one area
    for town, area in by_town.items():
        total = Renovation.objects.filter(completed_on__range=("2021-01-01", "2025-12-31"), town__name=town).aggregate(
            s=Sum("area_m2"))["s"]
        assert area == str(wan(total)), town
    mine = api("zhujing").get("/api/v1/plans/map/renovations", **{"from": "2021-01-01", "to": "2025-12-31"}).json()
    assert [f["properties"]["town"] for f in mine["features"]] == ["朱泾镇"] and mine["features"][0]["properties"][
        "area"] == by_town["朱泾镇"]


def test_development_lists_are_pages_with_their_filters(client, users):
    from fangguan.development.models import Permit

    html = page(client, users["zhujing"], "/development/permits/?kind=delivery")
    assert "朱泾镇" in html and "石化街道" not in html
    mine = Permit.objects.filter(kind="delivery", project__town__name="朱泾镇").count()
    assert 0 < mine < Permit.objects.filter(kind="delivery").count() and f'data-count="{mine}"' in html
    page(client, users["admin"], "/development/castles/", status=404)
    bad = page(client, users["admin"], "/development/permits/?from=notadate")  # said beside the panel, filter dropped
    assert "alert-warning" in bad and "请输入有效日期" in bad and f'data-count="{Permit.objects.count()}"' in bad


def test_an_office_enters_values_for_an_indicator_measured_by_hand(client, users, plan):
    from fangguan.planning import services
    from fangguan.planning.models import EnteredValue, Indicator
    from fangguan.registry.models import Town

    indicator = services.planning_create(actor=users["admin"], model=Indicator, data=dict(
        plan=plan, code="8", name="手工填报指标", unit="个", target=10, attribute="预期性", measure="entered"))
    zhujing = Town.objects.get(name="朱泾镇")
    client.force_login(users["zhujing"])
    assert f"/plans/indicators/{indicator.pk}/values/" in client.get(f"/plans/{plan.pk}/").content.decode()
    r = client.post(f"/plans/indicators/{indicator.pk}/values/", {"year": "2022", "town": str(zhujing.pk), "value": "4"})
    assert r.status_code == 302
    r = client.post(f"/plans/indicators/{indicator.pk}/values/", {"year": "2022", "town": str(zhujing.pk), "value": "5"})
    value = EnteredValue.objects.get(indicator=indicator)
    assert (value.value, value.entered_by, value.town) == (5, users["zhujing"], zhujing)
    other = Town.objects.get(name="石化街道")
    r = client.post(f"/plans/indicators/{indicator.pk}/values/", {"year": "2022", "town": str(other.pk), "value": "1"})
    assert r.status_code == 422 and EnteredValue.objects.filter(indicator=indicator).count() == 1
    computed = plan.indicators.get(code="3")
    assert client.post(f"/plans/indicators/{computed.pk}/values/", {"year": "2022", "value": "1"}).status_code == 403
    html = client.get(f"/plans/{plan.pk}/?as_of=2025-12-31").content.decode()
    # a town office sees its contribution to the district, not a failure against the whole target (issue 18)
    assert 'data-indicator="8" data-status="contribution"' in html
