"""Who sees and changes what through the pages: the same rules as the API, and refusals change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangguan.core import demomark
from fangguan.core.models import ChangeLog, SecurityEvent
from fangguan.registry import models as m
from fangguan.registry.choices import EstateType

from .conftest import PHONE

pytestmark = pytest.mark.django_db


def test_town_office_lists_only_its_town(as_user, users, registry):
    response = as_user(users.town).get(reverse("registry-list", args=["estates"]))
    names = [row["obj"].name for row in response.context["rows"]]
    assert names == ["泾西新苑"]
    assert "枫南花园" not in response.content.decode()


def test_town_office_gets_404_for_another_towns_estate(as_user, users, registry):
    client = as_user(users.town)
    response = client.get(reverse("registry-detail", args=["estates", registry.other_estate.pk]))
    assert response.status_code == 404 and "不在您的查看范围内" in response.content.decode()
    assert client.get(reverse("registry-edit", args=["estates", registry.other_estate.pk])).status_code == 404
    assert client.get(reverse("registry-history", args=["estates", registry.other_estate.pk])).status_code == 404


def test_detail_sections_are_scoped(as_user, users, registry):
    """The company sees the estate it serves, and in its sections only what it may see."""
    page = as_user(users.company).get(reverse("registry-detail", args=["estates", registry.estate.pk]))
    sections = {s["resource"].name: s for s in page.context["sections"]}
    assert sections["buildings"]["count"] == 1
    assert [r["obj"].company_id for r in sections["contracts"]["rows"]] == [registry.company.pk]


def test_company_edits_only_the_estates_contact_fields(as_user, users, registry):
    client = as_user(users.company)
    url = reverse("registry-edit", args=["estates", registry.estate.pk])
    form = client.get(url).context["form"]
    assert set(form.fields) == {"service_phone", "office_address", "has_onsite_office"}
    response = client.post(url, {"service_phone": "021-57319999", "office_address": "泾西新苑3号楼底层",
                                 "has_onsite_office": "on", "name": "改名小区", "floor_area_m2": "1"})
    assert response.status_code == 302
    registry.estate.refresh_from_db()
    assert registry.estate.service_phone == "021-57319999"
    assert registry.estate.office_address == "泾西新苑3号楼底层"
    assert registry.estate.name == "泾西新苑" and registry.estate.floor_area_m2 == Decimal("123456.78")
    entry = ChangeLog.objects.get(object_type="estate", object_id=registry.estate.pk)
    assert set(entry.after) == {"service_phone", "office_address"}


def test_refused_edit_is_403_and_changes_nothing(as_user, users, registry):
    client = as_user(users.auditor)  # reads everything, writes nothing
    url = reverse("registry-edit", args=["estates", registry.estate.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"service_phone": "021-00000000", "name": "改名"})
    assert response.status_code == 403
    assert "您无权修改此记录" in response.content.decode()
    registry.estate.refresh_from_db()
    assert registry.estate.name == "泾西新苑" and registry.estate.service_phone == "021-57310000"
    assert not ChangeLog.objects.filter(object_type="estate", object_id=registry.estate.pk).exists()
    detail = client.get(reverse("registry-detail", args=["estates", registry.estate.pk])).content.decode()
    assert reverse("registry-edit", args=["estates", registry.estate.pk]) not in detail


def test_moving_a_record_out_of_scope_is_refused(as_user, users, registry):
    """A town office may edit its estates but not hand one to another town (the service's re-check)."""
    client = as_user(users.town)
    url = reverse("registry-edit", args=["estates", registry.estate.pk])
    data = client.get(url).context["form"].initial | {"town": registry.fengjing.pk, "neighbourhood": ""}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 403
    registry.estate.refresh_from_db()
    assert registry.estate.town == registry.zhujing
    assert not ChangeLog.objects.filter(object_type="estate", object_id=registry.estate.pk).exists()


def test_validation_errors_show_next_to_the_field(as_user, users, registry):
    client = as_user(users.bureau)
    url = reverse("registry-edit", args=["estates", registry.estate.pk])
    data = {k: ("" if v is None else v) for k, v in client.get(url).context["form"].initial.items() if v is not False}
    data["removed_on"] = "2000-01-01"  # before the delivery date: the model's clean() refuses it
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["removed_on"] == ["注销日期必须晚于交付日期。"]
    assert not ChangeLog.objects.filter(object_type="estate", object_id=registry.estate.pk).exists()


def test_history_section_shows_an_update(as_user, users, registry):
    client = as_user(users.bureau)
    url = reverse("registry-edit", args=["buildings", registry.building.pk])
    data = {k: ("" if v is None else v) for k, v in client.get(url).context["form"].initial.items() if v is not False}
    data["floors"] = 7
    assert client.post(url, data).status_code == 302
    page = client.get(reverse("registry-detail", args=["buildings", registry.building.pk]))
    entry = page.context["history"][0]
    assert entry["actor"] == "web-bureau" and entry["action"] == "更新"
    assert entry["changes"] == [{"label": "地上层数", "before": {"text": "6", "url": None}, "after": {"text": "7", "url": None}}]
    html = page.content.decode()
    assert "地上层数" in html and "<del>6</del>" in html


def test_foreign_key_choices_are_limited_to_what_the_user_sees(as_user, users, registry):
    form = as_user(users.town).get(reverse("registry-create", args=["buildings"])).context["form"]
    assert list(form.fields["estate"].queryset) == [registry.estate]
    assert list(form.fields["area"].queryset) == [registry.area]


def test_town_office_registers_a_person_with_a_home(as_user, users, registry):
    client = as_user(users.town)
    url = reverse("registry-create", args=["people"]) + f"?home={registry.home.pk}"
    form = client.get(url).context["form"]
    assert list(form.fields["share_home"].queryset) == [registry.home]
    response = client.post(url, {"kind": "natural", "name": "李四", "id_type": "resident_id", "id_number": "",
                                 "phone": "13900001111", "address": "", "share_home": registry.home.pk,
                                 "share_kind": "public_tenant", "share_percent": "100", "share_since": "2024-01-01"})
    assert response.status_code == 302, response.context["form"].errors
    person = m.Person.objects.get(name="李四")
    assert person.phone_masked == "139****1111" and person.phone_clear() == "13900001111"
    assert person.shares.get().home == registry.home


def test_owner_changes_own_phone_only(as_user, users, registry):
    client = as_user(users.owner)
    url = reverse("registry-edit", args=["people", registry.person.pk])
    assert set(client.get(url).context["form"].fields) == {"phone", "address"}
    response = client.post(url, {"phone": "12", "address": ""})
    assert response.context["form"].errors["phone"] == ["电话号码无效。"]
    assert client.post(url, {"phone": "", "address": "泾西镇某路1号"}).status_code == 302  # blank phone: kept
    registry.person.refresh_from_db()
    assert registry.person.phone_clear() == PHONE and registry.person.address == "泾西镇某路1号"


def test_company_cannot_create_estates_but_can_add_facilities(as_user, users, registry):
    client = as_user(users.company)
    assert client.get(reverse("registry-create", args=["estates"])).status_code == 403
    url = reverse("registry-create", args=["facilities"]) + f"?estate={registry.estate.pk}"
    assert client.get(url).context["form"].initial == {"estate": str(registry.estate.pk)}
    response = client.post(url, {"estate": registry.estate.pk, "kind": "ebike_charging", "location": "北门",
                                 "quantity": 2, "installed_on": "2024-05-01", "status": "in_service"})
    assert response.status_code == 302
    assert m.Facility.objects.filter(estate=registry.estate, location="北门").count() == 1


def test_delete_asks_then_deletes_and_protected_records_stay(as_user, users, registry):
    client = as_user(users.bureau)
    assessment = m.Assessment.objects.create(estate=registry.estate, kind="meili_standard", passed_on=dt.date(2020, 1, 1))
    url = reverse("registry-delete", args=["assessments", assessment.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not m.Assessment.objects.filter(pk=assessment.pk).exists()
    url = reverse("registry-delete", args=["estates", registry.estate.pk])
    response = client.post(url, follow=True)
    assert "此记录仍被其他记录引用，不能删除。" in response.content.decode()
    assert m.Estate.objects.filter(pk=registry.estate.pk).exists()


# --- Reveal ------------------------------------------------------------------------------------


def test_reveal_shows_the_value_once_and_logs_it(as_user, users, registry):
    client = as_user(users.bureau)
    detail = client.get(reverse("registry-detail", args=["people", registry.person.pk])).content.decode()
    assert "138****5678" in detail and PHONE not in detail
    url = reverse("person-reveal", args=[registry.person.pk])
    assert url in detail
    response = client.post(url, {"field": "phone", "reason": "核实维修联系人"})
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = SecurityEvent.objects.get(action="reveal", object_id=registry.person.pk)
    assert event.outcome == "success" and event.actor == users.bureau and event.object_id == registry.person.pk
    assert event.detail == {"field": "phone", "reason": "核实维修联系人"}


def test_reveal_needs_a_reason(as_user, users, registry):
    response = as_user(users.bureau).post(reverse("person-reveal", args=[registry.person.pk]), {"field": "id_number", "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert not SecurityEvent.objects.filter(action="reveal", object_id=registry.person.pk).exists()


def test_reveal_refused_without_permission_and_logged(as_user, users, registry):
    client = as_user(users.town)  # sees the person, may not reveal
    url = reverse("person-reveal", args=[registry.person.pk])
    detail = client.get(reverse("registry-detail", args=["people", registry.person.pk])).content.decode()
    assert url not in detail
    assert client.get(url).status_code == 403
    response = client.post(url, {"field": "id_number", "reason": "想看看"})
    assert response.status_code == 403
    assert "11010519491231002X" not in response.content.decode()
    event = SecurityEvent.objects.get(action="reveal", object_id=registry.person.pk)
    assert event.outcome == "denied" and event.actor == users.town


def test_reveal_of_a_person_out_of_scope_is_404(as_user, users, registry):
    assert as_user(users.company).post(reverse("person-reveal", args=[registry.person.pk]) + "x").status_code == 404
    stranger = m.Person.objects.create(name="王五")
    assert as_user(users.owner).post(reverse("person-reveal", args=[stranger.pk]),
                                     {"field": "phone", "reason": "xx"}).status_code == 404


# --- Lists: bad input, htmx, query count -------------------------------------------------------


@pytest.mark.parametrize("query", ["town=abc", "delivered_from=2020-13-45", "ordering=password", "estate_type=castle",
                                   "page=zzz", "per_page=100000", "town=999999"])
def test_bad_list_parameters_give_a_message_not_an_error(as_user, users, registry, query):
    response = as_user(users.bureau).get(reverse("registry-list", args=["estates"]) + "?" + query)
    assert response.status_code == 200
    if not query.startswith(("page=", "per_page=")):
        assert response.context["problems"]


def test_filter_search_and_sort_are_plain_urls(as_user, users, registry):
    client = as_user(users.bureau)
    url = reverse("registry-list", args=["estates"])
    mine = f"&town={registry.zhujing.pk}"
    assert [r["obj"].code for r in client.get(url + "?q=jxxy" + mine).context["rows"]] == ["WE001"]  # initials
    assert [r["obj"].code for r in client.get(url + "?q=jingxi" + mine).context["rows"]] == ["WE001"]  # pinyin
    assert [r["obj"].code for r in client.get(url + "?q=nothing-like-it" + mine).context["rows"]] == []
    assert [r["obj"].code for r in client.get(url + f"?town={registry.fengjing.pk}").context["rows"]] == ["WE002"]
    both = "&q=WE00"
    assert [r["obj"].code for r in client.get(url + "?ordering=-floor_area_m2" + both).context["rows"]] == ["WE001", "WE002"]
    assert [r["obj"].code for r in client.get(url + "?ordering=floor_area_m2" + both).context["rows"]] == ["WE002", "WE001"]
    homes = client.get(reverse("registry-list", args=["homes"]) + f"?building={registry.building.pk}")
    assert homes.context["chips"][0]["value"] == str(registry.building)


def test_htmx_gets_only_the_results(as_user, users, registry):
    response = as_user(users.bureau).get(reverse("registry-list", args=["estates"]) + "?q=zj",
                                         HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert html.lstrip().startswith("{% load") is False and 'id="results"' in html and "<html" not in html
    assert "HX-Target" in response["Vary"]


def _add_estates(registry, n, start=0):
    """``n`` estates in the town, each with an area, building, home, owner, facility and contract."""
    for i in range(start, start + n):
        estate = m.Estate.objects.create(code=f"WX{i:03}", name=f"测试小区{i}", town=registry.zhujing,
                                         estate_type=EstateType.COMMERCIAL, floor_area_m2=Decimal(1000 + i))
        area = m.ManagementArea.objects.create(estate=estate, code=f"WXA{i:03}", name=estate.name)
        building = m.Building.objects.create(estate=estate, area=area, number="1号楼", floors=6)
        home = m.Home.objects.create(building=building, room_number="101", floor=1, area_m2=Decimal("80"))
        m.HomeShare.objects.create(home=home, person=m.Person.objects.create(name=f"业主{i}"), since=dt.date(2020, 1, 1))
        m.Facility.objects.create(estate=estate, building=building, kind="cctv")
        m.Contract.objects.create(area=area, company=registry.company, kind="formal", start_on=dt.date(2021, 1, 1))


@pytest.mark.parametrize("name", ["estates", "areas", "buildings", "homes", "shares", "people", "contracts",
                                  "facilities", "committees"])
def test_list_query_count_does_not_grow_with_rows(as_user, users, registry, name, django_assert_max_num_queries,
                                                 monkeypatch):
    # the 演示数据 banner's answer is cached for a minute (core.demomark): on a loaded machine the
    # minute could run out between the two counted requests and add a query to the second (seen:
    # 19 against 18), so it is asked once, by the warm-up request, and kept for this test
    monkeypatch.setattr(demomark, "TTL_SECONDS", float("inf"))
    demomark.forget()
    client = as_user(users.town)
    url = reverse("registry-list", args=[name]) + "?per_page=100"
    _add_estates(registry, 1)
    if name == "committees":
        m.OwnersCommittee.objects.create(area=registry.area, name="泾西新苑业委会")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _add_estates(registry, 30, start=1)
    if name == "committees":
        for area in m.ManagementArea.objects.filter(code__startswith="WXA"):
            m.OwnersCommittee.objects.create(area=area, name=f"{area.name}业委会")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["rows"]) > 25


def test_export_link_carries_the_lists_filters(as_user, users, registry):
    client = as_user(users.town)
    response = client.get(reverse("registry-list", args=["estates"]) + "?q=jxxy&town=&ordering=-code&page=1")
    url = response.context["exports"]["csv"]
    assert url == "/api/v1/estates/export?q=jxxy&ordering=-code&format=csv"
    export = client.get(url)
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "泾西新苑" in body and "枫南花园" not in body
    assert SecurityEvent.objects.filter(action="export", actor=users.town).exists()


def test_sections_offer_add_prefilled_with_the_record(as_user, users, registry):
    page = as_user(users.town).get(reverse("registry-detail", args=["homes", registry.home.pk]))
    assert page.context["sections"][0]["add_url"] == reverse("registry-create", args=["people"]) + f"?home={registry.home.pk}"
    page = as_user(users.company).get(reverse("registry-detail", args=["estates", registry.estate.pk]))
    adds = {s["resource"].name: s["add_url"] for s in page.context["sections"]}
    assert adds["facilities"] == reverse("registry-create", args=["facilities"]) + f"?estate={registry.estate.pk}"
    assert adds["buildings"] is None and adds["contracts"] is None  # a company adds facilities only
