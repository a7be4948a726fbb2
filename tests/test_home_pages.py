"""A home page per role (issue 18), on the Jinshan demo: what each demo account lands on, counted
with the test's own queries; and the resident's report form that misses the category."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from fangguan.accounts.models import User
from fangguan.registry import models as m
from fangguan.repairs.models import RepairRequest
from fangguan.votes.models import Vote

pytestmark = pytest.mark.django_db


def _page(users, username):
    client = Client()
    client.force_login(users[username])
    response = client.get("/")
    assert response.status_code == 200
    return response


def test_resident_gets_big_buttons_first_and_their_open_items(users):
    yezhu = users["yezhu"]
    response = _page(users, "yezhu")
    page = response.content.decode()
    assert response.context["home_kind"] == "owner"
    for label, url in (("我要报修", "/repairs/new/"), ("我的报修", "/repairs/mine/"), ("我的表决", "/votes/")):
        assert f'href="{url}"' in page and label in page
    main = page[page.index('id="main"'):]
    assert main.index("/repairs/new/") < main.index("/repairs/mine/") < main.index("/votes/")
    open_mine = RepairRequest.objects.filter(reporter=yezhu).exclude(
        status__in=["closed", "rejected", "cancelled"]).count()
    assert response.context["my_open_count"] == open_mine
    # the menu: repairs and votes first, no district dashboard, the registry cut to estate and homes
    sidebar = page[page.index('id="app-sidebar"'):page.index('id="main"')]
    assert "/dashboard/" not in sidebar and "/r/companies/" not in sidebar
    assert sidebar.index("/repairs/new/") < sidebar.index("/r/homes/")


def test_property_staff_land_on_the_queue(users):
    response = _page(users, "wuye")
    assert response.context["home_kind"] == "company"
    from fangguan.accounts.roles import grants

    company_id = next(g.company_id for g in grants(users["wuye"]) if g.company_id)
    working = RepairRequest.objects.filter(
        company_id=company_id, status__in=["submitted", "accepted", "in_progress", "deferred", "reopened"])
    assert response.context["queue_count"] == working.count()
    deadlines = [r.complete_due_at for r in response.context["queue"]]
    assert deadlines == sorted(deadlines)
    assert 'href="/repairs/"' in response.content.decode()


def test_town_office_sees_its_overdue_list_and_its_towns_figures(users):
    response = _page(users, "zhujing")
    assert response.context["home_kind"] == "town_office"
    assert response.context["area_name"] == "朱泾镇"
    counts = {c["url"].split("?")[0]: c["count"] for c in response.context["counts"]}
    today = timezone.localdate()  # in the registry today, as the dashboard counts them
    assert counts["/r/estates/"] == m.Estate.objects.filter(town__name="朱泾镇", delivered_on__lte=today).exclude(
        removed_on__lte=today).count()
    page = response.content.decode()
    assert "朱泾镇" in page and "/repairs/overdue/" in page
    for r in response.context["late"]:
        assert r.estate.town.name == "朱泾镇"


def test_bureau_lands_on_the_dashboard_and_auditor_on_the_audit_pages(users):
    bureau = _page(users, "admin")
    assert "dashboard/dashboard.html" in [t.name for t in bureau.templates]
    auditor = _page(users, "auditor").content.decode()
    assert "/audit/changes/" in auditor and "/audit/security/" in auditor
    auditadmin = _page(users, "auditadmin").content.decode()
    assert "/audit/security/" in auditadmin and "/audit/changes/" not in auditadmin


def _photo() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "leak.jpg"
    return buffer


def test_a_report_without_category_says_so_beside_the_field_and_files_nothing(users):
    client = Client()
    client.force_login(users["yezhu"])
    form = client.get("/repairs/new/").content.decode()
    assert 'class="app-repair-form app-validate' in form and 'data-required-message="请选择报修类别"' in form
    before = RepairRequest.objects.count()
    home = client.get("/repairs/new/").context["homes"][0]
    response = client.post("/repairs/new/", {"estate": home.building.estate_id, "where": f"home:{home.pk}",
                                             "category": "", "description": "厨房漏水", "photos": [_photo()]})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_category_error">请选择报修类别<' in page
    assert "记录不存在" not in page
    assert "照片未保留" in page  # a browser cannot refill a file field: the resident is told
    assert RepairRequest.objects.count() == before
    assert User.objects.filter(username="yezhu").exists()


def test_votes_open_for_the_resident_are_listed(users):
    response = _page(users, "yezhu")
    visible_open = Vote.objects.visible_to(users["yezhu"]).filter(status="open").count()
    assert response.context["open_votes_count"] == visible_open
