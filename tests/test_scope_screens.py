"""Screens that know whose figures they show (issue 18): filter choices from the user's own
area, titles naming it, a town's plan page showing its contribution to the district's progress
(never a red failure against the district's whole target), and the 演示数据 banner."""

from __future__ import annotations

import pytest
from django.test import Client

from fangguan.core import demomark
from fangguan.planning.models import Plan
from fangguan.registry import models as m

pytestmark = pytest.mark.django_db


def _client(users, username):
    client = Client()
    client.force_login(users[username])
    return client


def test_a_town_office_filters_by_its_own_town_neighbourhoods_and_companies(users):
    form = _client(users, "zhujing").get("/r/estates/").context["form"]
    zhujing = m.Town.objects.get(name="朱泾镇")
    assert [t.name for t in form.fields["town"].queryset] == ["朱泾镇"]
    own = set(m.Estate.objects.filter(town=zhujing).values_list("neighbourhood_id", flat=True)) - {None}
    assert set(form.fields["neighbourhood"].queryset.values_list("pk", flat=True)) == own
    if "company" in form.fields:
        serving = set(m.Contract.objects.filter(area__estate__town=zhujing).values_list("company_id", flat=True))
        assert set(form.fields["company"].queryset.values_list("pk", flat=True)) == serving
    # the bureau filters the whole district
    bureau = _client(users, "admin").get("/r/estates/").context["form"]
    assert bureau.fields["town"].queryset.count() == m.Town.objects.count()


def test_the_dashboard_says_whose_figures_it_shows(users):
    town = _client(users, "zhujing").get("/dashboard/").content.decode()
    assert "朱泾镇概览" in town and "全区概览" not in town
    district = _client(users, "admin").get("/dashboard/").content.decode()
    assert "全区概览" in district


def test_a_towns_plan_page_shows_its_contribution_never_a_failure_against_the_district(users):
    plan = Plan.objects.order_by("pk").first()
    if plan is None:
        pytest.skip("no plan in the demo")
    town = _client(users, "zhujing")
    page = town.get(f"/plans/{plan.pk}/", {"as_of": f"{plan.end_year}-12-31"})
    assert page.status_code == 200
    html = page.content.decode()
    statuses = {r["status_key"] for r in page.context["rows"]}
    assert statuses <= {"contribution", "not_started"}, statuses
    assert ">未完成</span>" not in html and ">滞后</span>" not in html and 'data-contribution' in html and "朱泾镇" in html
    report = town.get(f"/plans/{plan.pk}/report/", {"as_of": f"{plan.end_year}-12-31"}).content.decode()
    assert "已完成 0 项" not in report and "data-contribution" in report
    # the contribution is the town's actual over the district's, as the bureau's page shows it
    bureau_rows = {r["code"]: r["p"] for r in _client(users, "admin").get(
        f"/plans/{plan.pk}/", {"as_of": f"{plan.end_year}-12-31"}).context["rows"]}
    for row in page.context["rows"]:
        p, whole = row["p"], bureau_rows[row["code"]]
        assert p.district_actual == whole.actual
        if p.contribution is not None:
            assert abs(float(p.contribution) - float(p.actual) / float(whole.actual)) < 0.0001
            assert p.actual <= whole.actual


def test_the_demo_banner_is_on_every_page_when_the_demo_is_loaded(users, monkeypatch):
    demomark.forget()
    client = _client(users, "yezhu")
    assert "演示数据" in client.get("/").content.decode()
    assert "演示数据" in Client().get("/login/").content.decode()
    monkeypatch.setattr(demomark, "_cached", (float("inf"), False))  # a database without the demo
    monkeypatch.setattr(demomark, "TTL_SECONDS", float("inf"))
    assert "演示数据" not in client.get("/").content.decode()
    demomark.forget()


@pytest.mark.parametrize("resource", ["parcels", "permits", "renovations"])
def test_development_lists_print_iso_dates(users, resource):
    import re

    page = _client(users, "admin").get(f"/development/{resource}/").content.decode()
    assert not re.search(r"\d{4}年\d{1,2}月\d{1,2}日", page)
    assert re.search(r"<td>\d{4}-\d{2}-\d{2}</td>", page)
