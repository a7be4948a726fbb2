"""Development records in the web UI: lists with "New" and "Edit" where the user may write,
forms that apply the models' rules through the services, scope (404 / 403)."""

from __future__ import annotations

import re

from fangguan.core.models import ChangeLog
from fangguan.development import models as m
from fangguan.registry.models import Town


def test_a_town_office_creates_and_edits_its_towns_parcel(client, users):
    zhujing = Town.objects.get(name="朱泾镇")
    client.force_login(users["zhujing"])
    html = client.get("/development/parcels/").content.decode()
    assert "/development/parcels/new/" in html and "/edit/" in html
    form = {"code": "W-P-1", "name": "网页地块", "town": zhujing.pk, "area_ha": "4.5", "planned_use": "mixed",
            "residential_share": "1", "status": "planned"}
    r = client.post("/development/parcels/new/", form)
    assert r.status_code == 422 and "混合用地须填写规划住宅比例" in r.content.decode()
    assert not m.Parcel.objects.filter(code="W-P-1").exists()
    r = client.post("/development/parcels/new/", {**form, "residential_share": "0.6"})
    assert r.status_code == 302
    parcel = m.Parcel.objects.get(code="W-P-1")
    r = client.post(f"/development/parcels/{parcel.pk}/edit/", {**form, "residential_share": "0.6", "status": "listed",
                                                                 "listed_on": "2025-03-01"})
    assert r.status_code == 302
    parcel.refresh_from_db()
    assert parcel.status == "listed" and str(parcel.listed_on) == "2025-03-01"
    assert ChangeLog.objects.filter(object_type="parcel", object_id=parcel.pk, actor_name="zhujing").count() == 2
    other = m.Parcel.objects.exclude(town=zhujing).first()
    assert client.get(f"/development/parcels/{other.pk}/edit/").status_code == 404
    shihua = Town.objects.get(name="石化街道")
    r = client.post("/development/parcels/new/", {**form, "code": "W-P-2", "town": shihua.pk, "residential_share": "0.6"})
    assert r.status_code == 422 and not m.Parcel.objects.filter(code="W-P-2").exists()  # not a town it may choose


def test_renovation_form_links_estates_and_readers_may_not_write(client, users):
    zhujing = Town.objects.get(name="朱泾镇")
    estates = list(zhujing.estates.order_by("code")[:2])
    client.force_login(users["admin"])
    r = client.post("/development/renovations/new/", {
        "code": "W-R-1", "name": "网页修缮", "town": zhujing.pk, "kind": "roof_facade", "estates": [e.pk for e in estates],
        "area_m2": "2000", "public_housing_area_m2": "500", "started_on": "2024-01-01", "completed_on": "2024-09-01"})
    assert r.status_code == 302
    assert set(m.Renovation.objects.get(code="W-R-1").estates.all()) == set(estates)
    client.force_login(users["auditor"])
    assert client.get("/development/renovations/new/").status_code == 403
    assert "/new/" not in client.get("/development/renovations/").content.decode()
    client.force_login(users["wuye"])
    page = client.get("/development/renovations/")  # a property company sees no development record
    assert page.status_code == 200 and page.context["page"].paginator.count == 0 and page.context["rows"] == []


def test_list_filters_are_the_apis_and_survive_paging(client, users):
    """The page takes the API's filter names (others are dropped) and carries them to the next page."""
    client.force_login(users["admin"])
    permits = m.Permit.objects.filter(kind="construction")
    assert permits.count() > 50  # more than one page
    html = client.get("/development/permits/", {"kind": "construction", "page_size": "1", "q": ""}).content.decode()
    assert f'data-count="{permits.count()}"' in html
    assert re.search(r'<a class="page-link" href="\?[^"]*kind=construction[^"]*&amp;page=2">', html)
    html = client.get("/development/permits/", {"kind": "demolition"}).content.decode()
    assert f'data-count="{m.Permit.objects.count()}"' in html and "alert-warning" in html  # refused, said so


def test_lists_have_the_registrys_filter_panel_and_pages(client, users):
    """Issue 18, consistency: a filter panel under the API's parameter names (the progress page's
    drill-down links keep working), rows per page and numbered pages as the registry's lists."""
    client.force_login(users["zhujing"])
    response = client.get("/development/permits/", {"from": "2020-01-01", "to": "2020-12-31", "per_page": "25"})
    html = response.content.decode()
    for name in ("q", "town", "from", "to", "kind", "housing_type", "per_page"):
        assert f'name="{name}"' in html, name
    assert "筛选" in html and "过滤器" not in html
    zhujing = Town.objects.get(name="朱泾镇")
    assert [t.pk for t in response.context["form"].fields["town"].queryset] == [zhujing.pk]  # its own town
    expected = m.Permit.objects.filter(project__town=zhujing, issued_on__range=("2020-01-01", "2020-12-31"))
    assert response.context["page"].paginator.count == expected.count()
    assert len(response.context["rows"]) == min(25, expected.count())
    client.force_login(users["admin"])
    html = client.get("/development/permits/").content.decode()
    pages = -(-m.Permit.objects.count() // 25)
    assert pages > 3 and '<span class="page-link">…</span>' in html and f">{pages}</a>" in html  # elided numbers
    bad = client.get("/development/permits/", {"from": "2020-13-45"}).content.decode()
    assert "alert-warning" in bad and f'data-count="{m.Permit.objects.count()}"' in bad
