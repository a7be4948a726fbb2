"""Bulk edit of a list's chosen rows (issue 18, "what NetBox users expect"): the service — rows
changed, one change-log row per record, refusal and invalid values change nothing — and the
pages: tick boxes, the form, "all N matching this filter", the Chinese confirmation.

Oracles are the test's own reads of the rows and of the change log, never the service's result."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangguan.core import services as core_services
from fangguan.core.models import ChangeLog
from fangguan.core.services import BulkRefused
from fangguan.registry import models as m
from fangguan.registry.services import registry_bulk_update

pytestmark = pytest.mark.django_db

BULK = reverse("registry-bulk-edit", args=["estates"])


def _logs(*estates) -> list[tuple[int, dict, dict]]:
    return list(ChangeLog.objects.filter(object_type="estate", object_id__in=[e.pk for e in estates])
                .order_by("object_id").values_list("object_id", "before", "after"))


# --- The service -------------------------------------------------------------------------------


def test_every_record_changed_and_logged_once(registry, users):
    estates = [registry.estate, registry.other_estate]
    result = registry_bulk_update(actor=users.bureau, instances=estates, changes={"address": "测试路1号"})
    assert (result.changed, result.unchanged) == (2, 0)
    assert set(m.Estate.objects.filter(pk__in=[e.pk for e in estates]).values_list("address", flat=True)) == {"测试路1号"}
    logs = _logs(*estates)
    assert [pk for pk, _b, _a in logs] == sorted(e.pk for e in estates)  # one row per record
    assert all(after == {"address": "测试路1号"} for _pk, _b, after in logs)
    assert set(ChangeLog.objects.filter(object_type="estate", object_id__in=[e.pk for e in estates])
               .values_list("actor_id", flat=True)) == {users.bureau.pk}


def test_a_record_that_already_has_the_value_is_neither_written_nor_logged(registry, users):
    m.Estate.objects.filter(pk=registry.estate.pk).update(address="测试路1号")
    estates = list(m.Estate.objects.filter(pk__in=[registry.estate.pk, registry.other_estate.pk]))
    result = registry_bulk_update(actor=users.bureau, instances=estates, changes={"address": "测试路1号"})
    assert (result.changed, result.unchanged) == (1, 1)
    assert [pk for pk, _b, _a in _logs(*estates)] == [registry.other_estate.pk]


def test_a_record_the_user_may_not_change_refuses_the_batch(registry, users):
    """The town office manages its own town's estate, not the other town's: nothing is written."""
    estates = [registry.estate, registry.other_estate]
    with pytest.raises(BulkRefused) as refused:
        registry_bulk_update(actor=users.town, instances=estates, changes={"address": "测试路1号"})
    assert refused.value.records == [registry.other_estate]
    assert "枫南花园" in str(refused.value)
    assert not m.Estate.objects.filter(address="测试路1号").exists()
    assert _logs(*estates) == []


def test_a_company_changes_only_its_contact_fields(registry, users):
    with pytest.raises(BulkRefused):
        registry_bulk_update(actor=users.company, instances=[registry.estate], changes={"address": "测试路1号"})
    result = registry_bulk_update(actor=users.company, instances=[registry.estate],
                                  changes={"service_phone": "021-57000000"})
    assert result.changed == 1
    assert m.Estate.objects.get(pk=registry.estate.pk).service_phone == "021-57000000"


def test_a_change_taking_a_record_out_of_reach_refuses_the_batch(registry, users):
    """The re-check after the write (NetBox's): the town office may not move its estate to
    another town, and the rows already written in the batch are rolled back with it."""
    second = m.Estate.objects.create(code="WE003", name="泾西二苑", town=registry.zhujing,
                                     estate_type=registry.estate.estate_type, floor_area_m2=1000)
    with pytest.raises(BulkRefused):
        registry_bulk_update(actor=users.town, instances=[second, registry.estate],
                             changes={"town": registry.fengjing, "neighbourhood": None})
    assert set(m.Estate.objects.filter(pk__in=[second.pk, registry.estate.pk]).values_list("town_id", flat=True)) == {
        registry.zhujing.pk}
    assert _logs(second, registry.estate) == []


def test_an_invalid_value_for_one_record_rolls_back_all_and_names_it(registry, users):
    """Removed in 2005: after the other estate's delivery (1998), before this one's (2010)."""
    estates = [registry.other_estate, registry.estate]
    with pytest.raises(ValidationError) as invalid:
        registry_bulk_update(actor=users.bureau, instances=estates, changes={"removed_on": dt.date(2005, 1, 1)})
    messages = invalid.value.message_dict["removed_on"]
    assert len(messages) == 1 and "泾西新苑" in messages[0] and "枫南花园" not in messages[0]
    assert not m.Estate.objects.filter(pk__in=[e.pk for e in estates], removed_on__isnull=False).exists()
    assert _logs(*estates) == []


def test_the_batch_is_bounded(registry, users, monkeypatch):
    monkeypatch.setattr(core_services, "BULK_EDIT_LIMIT", 1)
    with pytest.raises(ValidationError):
        registry_bulk_update(actor=users.bureau, instances=[registry.estate, registry.other_estate],
                             changes={"address": "测试路1号"})
    assert not m.Estate.objects.filter(address="测试路1号").exists()


# --- The pages ---------------------------------------------------------------------------------


def _ticks(page: str) -> set[str]:
    import re

    return set(re.findall(r'name="pk" value="(\d+)" form="bulk"', page))


def test_the_list_offers_tick_boxes_on_rows_the_user_may_change(as_user, users, registry):
    page = as_user(users.bureau).get(reverse("registry-list", args=["estates"]), {"q": "泾西新苑"}).content.decode()
    assert _ticks(page) == {str(registry.estate.pk)}
    assert "编辑勾选的行" in page
    reader = as_user(users.auditor).get(reverse("registry-list", args=["estates"])).content.decode()
    assert _ticks(reader) == set() and 'id="bulk"' not in reader


def test_tick_edit_and_confirm_in_chinese(as_user, users, registry):
    client = as_user(users.bureau)
    chosen = [registry.estate.pk, registry.other_estate.pk]
    form = client.post(BULK, {"pk": chosen})
    assert form.status_code == 200
    body = form.content.decode()
    assert "修改 2 条记录" in body and "泾西新苑" in body and "枫南花园" in body
    assert 'name="code"' not in body and 'name="name"' not in body  # each record's own identity is not offered
    done = client.post(BULK, {"pk": chosen, "apply": "1", "apply_address": "on", "address": "测试路1号",
                              "service_phone": "ignored: not ticked"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("registry-list", args=["estates"])
    assert "已修改 2 条记录。" in done.content.decode()
    assert list(m.Estate.objects.filter(pk__in=chosen).values_list("address", "service_phone").order_by("pk")) == [
        ("测试路1号", registry.estate.service_phone), ("测试路1号", registry.other_estate.service_phone)]
    assert len(_logs(registry.estate, registry.other_estate)) == 2


def test_every_field_error_at_once(as_user, users, registry):
    """A latitude of 95 and an emptied required field are both reported in the one answer."""
    response = as_user(users.bureau).post(BULK, {
        "pk": [registry.estate.pk], "apply": "1", "apply_latitude": "on", "latitude": "95",
        "apply_floor_area_m2": "on", "floor_area_m2": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"latitude", "floor_area_m2"}
    assert m.Estate.objects.get(pk=registry.estate.pk).latitude is None


def test_nothing_ticked_is_an_error_not_a_change(as_user, users, registry):
    response = as_user(users.bureau).post(BULK, {"pk": [registry.estate.pk], "apply": "1", "address": "x"})
    assert response.status_code == 200 and "请至少勾选一个要修改的字段" in response.content.decode()
    assert _logs(registry.estate) == []


def test_all_rows_matching_the_filter(as_user, users, registry):
    client = as_user(users.bureau)
    response = client.post(BULK, {"all": "1", "query": "q=泾西新苑"})
    assert [obj.pk for obj in response.context["records"]] == [registry.estate.pk]


def test_more_rows_than_the_bound_are_refused_with_a_message(as_user, users, registry, monkeypatch):
    from fangguan.web import views

    monkeypatch.setattr(views, "BULK_EDIT_LIMIT", 1)
    response = as_user(users.bureau).post(BULK, {"all": "1", "query": "q=W"}, follow=True)
    assert "请先缩小筛选范围" in response.content.decode()


def test_refused_rows_are_named_and_nothing_changes(as_user, users, registry):
    """The auditor reads every estate and changes none; the company may not change the address."""
    response = as_user(users.auditor).post(BULK, {"pk": [registry.estate.pk]})
    assert response.status_code == 403 and "泾西新苑" in response.content.decode()
    assert "未做任何修改" in response.content.decode()
    response = as_user(users.company).post(BULK, {"pk": [registry.estate.pk], "apply": "1", "apply_address": "on",
                                                  "address": "测试路1号"})
    assert response.status_code == 200 and "address" not in response.context["form"].fields
    assert _logs(registry.estate) == []


def test_a_row_the_user_cannot_see_is_not_found(as_user, users, registry):
    response = as_user(users.town).post(BULK, {"pk": [registry.estate.pk, registry.other_estate.pk],
                                               "apply": "1", "apply_address": "on", "address": "测试路1号"})
    assert response.status_code == 404
    assert _logs(registry.estate, registry.other_estate) == []
