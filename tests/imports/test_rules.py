"""The rules rows meet: the models' own validation, natural keys, duplicates, scope, all-or-nothing
or the valid rows with an error sheet, the change log naming the import, and re-import = no-op."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from python_calamine import CalamineWorkbook

from fangguan.core.models import ChangeLog
from fangguan.registry import models as m
from fangguan.registry.choices import ContractKind

from .conftest import csv_bytes, problems

HOMES = ["小区编码", "楼号", "单元", "室号", "楼层", "专有面积(㎡)", "用途"]
VALID_ID = "11010519491231002X"  # GB 11643's own example
BAD_ID = "110105194912310021"  # same digits, wrong check character


def homes(*rows):
    return csv_bytes([HOMES, *rows])


def home(room, area="88.50", building="1号", estate="IMP001"):
    return [estate, building, "1", room, "1", area, "住宅"]


def state(place):
    return sorted(m.Home.objects.filter(building__estate__in=[place.estate, place.other]).values_list(
        "building__estate__code", "room_number", "area_m2"))


@pytest.mark.parametrize(("row", "column"), [
    (home("101", area="0"), "专有面积(㎡)"),
    (home("101", area="-5"), "专有面积(㎡)"),
    (home("101", area="abc"), "专有面积(㎡)"),
    (home("101", building="99号"), "楼号"),  # the building exists neither in the file nor in the database
    (home("", area="80"), "室号"),
    (["IMP001", "1号", "1", "101", "1", "80", "宫殿"], "用途"),
])
def test_bad_rows_are_refused_with_row_and_column(place, run_import, row, column):
    job = run_import("admin", "homes", homes(home("100"), row))
    assert job.status == "failed" and not job.applied and job.failed == 1
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, column)]
    assert state(place) == []


def test_messages_are_chinese(place, run_import):
    job = run_import("admin", "homes", homes(home("101", area="0")), dry_run=True)
    message = job.errors[0]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_duplicate_keys_inside_one_file(place, run_import):
    job = run_import("admin", "homes", homes(home("101"), home("102"), home("101", area="90")))
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "")]
    assert "2" in job.errors[0]["message"] and state(place) == []


def test_duplicates_across_batches_are_found_too(place, run_import, monkeypatch):
    from fangguan.imports.specs import get_spec

    monkeypatch.setattr(get_spec("homes"), "batch_size", 2, raising=False)
    job = run_import("admin", "homes", homes(home("101"), home("102"), home("103"), home("101", area="90")))
    assert [e["row"] for e in job.errors] == [5]


def test_all_or_nothing_then_the_valid_rows_and_the_error_sheet(place, run_import):
    content = homes(home("101"), home("102", area="-1"), home("103"))
    job = run_import("admin", "homes", content)
    assert (job.status, job.applied, job.created, job.failed) == ("failed", False, 2, 1)
    assert state(place) == []
    job = run_import("admin", "homes", content, mode="valid_rows")
    assert (job.status, job.applied, job.created, job.failed) == ("succeeded", True, 2, 1)
    assert [r for _e, r, _a in state(place)] == ["101", "103"]
    # the error sheet: the failed row as uploaded, with a reason, ready to fix and upload again
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(job.error_sheet.read())).get_sheet_by_index(0).to_python()
    assert sheet[0] == [*HOMES, "错误原因"]
    assert sheet[1][:6] == ["IMP001", "1号", "1", "102", "1", "-1"] and "3" in sheet[1][-1]
    fixed = [list(r) for r in sheet]
    fixed[1][5] = "66"
    again = run_import("admin", "homes", csv_bytes(fixed))
    assert (again.applied, again.created) == (True, 1)
    assert m.Home.objects.get(building=place.building, room_number="102").area_m2 == Decimal("66")


def test_dry_run_writes_nothing(place, run_import):
    logs = ChangeLog.objects.count()
    job = run_import("admin", "homes", homes(home("101"), home("102")), dry_run=True)
    assert (job.status, job.created, job.applied) == ("succeeded", 2, False)
    assert state(place) == [] and ChangeLog.objects.count() == logs


def test_history_names_the_import_and_reimport_changes_nothing(place, run_import):
    content = homes(home("101"), home("102"))
    job = run_import("admin", "homes", content)
    entries = ChangeLog.objects.filter(object_type="home", cause=f"import:{job.pk}")
    assert entries.count() == 2 and {e.action for e in entries} == {"create"}
    assert entries.first().actor.username == "admin"
    logs = ChangeLog.objects.count()
    again = run_import("admin", "homes", content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ChangeLog.objects.count() == logs
    changed = run_import("admin", "homes", homes(home("101", area="77.7"), home("102")))
    assert (changed.updated, changed.unchanged) == (1, 1)
    entry = ChangeLog.objects.get(cause=f"import:{changed.pk}")
    assert entry.before == {"area_m2": "88.50"} and entry.after == {"area_m2": "77.70"}


def test_a_row_with_an_id_updates_that_record_even_its_key(place, run_import):
    first = m.Home.objects.create(building=place.building, room_number="101", floor=1, area_m2=Decimal("80"))
    job = run_import("admin", "homes", csv_bytes([["id", *HOMES], [first.pk, *home("111")]]))
    assert (job.updated, job.created) == (1, 0)
    first.refresh_from_db()
    assert first.room_number == "111" and m.Home.objects.filter(building=place.building).count() == 1


def test_an_id_outside_the_scope_is_not_found(place, run_import):
    theirs = m.Home.objects.create(building=place.other_building, room_number="101", floor=1, area_m2=Decimal("80"))
    job = run_import("zhujing", "homes", csv_bytes([["id", *HOMES], [theirs.pk, *home("111")]]))
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "id")]
    theirs.refresh_from_db()
    assert theirs.room_number == "101"


def test_a_town_office_imports_only_into_its_town(place, run_import):
    job = run_import("zhujing", "homes", homes(home("101"), home("102", estate="IMP002")), mode="valid_rows")
    assert (job.created, job.failed) == (1, 1) and job.errors[0]["row"] == 3
    assert state(place) == [("IMP001", "101", Decimal("88.50"))]


def test_a_company_imports_facilities_only_where_it_serves(place, run_import):
    header = ["小区编码", "楼号", "设施类型", "位置", "数量", "启用日期", "状态"]
    rows = [header, ["IMP001", "", "非机动车集中充电场所", "东门", "2", "2021-03-01", "正常使用"],
            ["IMP002", "", "非机动车集中充电场所", "东门", "1", "2021-03-01", "正常使用"]]
    job = run_import("wuye", "facilities", csv_bytes(rows, encoding="utf-8"), mode="valid_rows")
    assert (job.created, job.failed) == (1, 1), job.errors
    assert job.errors[0]["row"] == 3 and job.errors[0]["column"] == "小区编码"
    assert m.Facility.objects.filter(estate=place.estate).count() == 1
    assert not m.Facility.objects.filter(estate=place.other).exists()


def test_a_company_may_change_only_the_contact_fields_of_the_estates_it_serves(place, run_import):
    header = ["id", "小区编码", "小区名称", "街镇", "小区类型", "建筑面积(㎡)", "物业服务电话"]
    base = [place.estate.pk, "IMP001", place.estate.name, "朱泾镇", "商品住房", "10000"]
    job = run_import("wuye", "estates", csv_bytes([header, [*base, "021-57001234"]]))
    assert (job.applied, job.updated) == (True, 1), job.errors
    place.estate.refresh_from_db()
    assert place.estate.service_phone == "021-57001234"
    before = place.estate.floor_area_m2
    job = run_import("wuye", "estates", csv_bytes([header, [*base[:-1], "99999", "021-57001234"]]))
    assert not job.applied and job.errors[0]["message"]
    place.estate.refresh_from_db()
    assert place.estate.floor_area_m2 == before


def test_roles_without_imports_are_refused(place, run_import):
    for username in ("juweihui", "yezhu", "auditor", "sysadmin"):
        with pytest.raises(PermissionDenied):
            run_import(username, "homes", homes(home("101")))
    with pytest.raises(PermissionDenied):
        run_import("wuye", "homes", homes(home("101")))  # a company does not register homes
    assert state(place) == []


# --- Identity numbers, credit codes, contracts, people and committees --------------------------

PEOPLE = ["姓名", "证件类型", "证件号码", "联系电话", "小区编码", "楼号", "室号", "权利类型", "份额(%)", "起始日期"]


def test_people_with_their_shares(place, run_import):
    h1 = m.Home.objects.create(building=place.building, room_number="101", floor=1, area_m2=Decimal("80"))
    h2 = m.Home.objects.create(building=place.building, room_number="102", floor=1, area_m2=Decimal("80"))
    rows = [PEOPLE, ["导入甲", "居民身份证", VALID_ID, "13812345678", "IMP001", "1号", "101", "产权人", "100", "2020-01-01"],
            ["导入甲", "居民身份证", VALID_ID, "13812345678", "IMP001", "1号", "102", "产权人", "50", "2021/1/1"]]
    job = run_import("zhujing", "people", csv_bytes(rows))
    assert problems(job) == [] and job.created == 2
    person = m.Person.objects.get(name="导入甲")
    assert person.id_number_masked != VALID_ID and person.id_number_clear() == VALID_ID
    assert sorted(person.shares.values_list("home_id", "share_percent")) == [(h1.pk, Decimal("100")), (h2.pk, Decimal("50"))]
    again = run_import("zhujing", "people", csv_bytes(rows))
    assert (again.unchanged, again.created, again.updated) == (2, 0, 0)


def test_a_bad_identity_check_character_is_refused(place, run_import):
    m.Home.objects.create(building=place.building, room_number="101", floor=1, area_m2=Decimal("80"))
    rows = [PEOPLE, ["导入乙", "居民身份证", BAD_ID, "", "IMP001", "1号", "101", "产权人", "100", "2020-01-01"]]
    job = run_import("admin", "people", csv_bytes(rows))
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "证件号码")]
    assert "校验" in job.errors[0]["message"] or "check" in job.errors[0]["message"]
    assert not m.Person.objects.filter(name="导入乙").exists()


def test_masked_cells_mean_unchanged_and_cannot_register_anyone(place, run_import):
    person = m.Person(name="导入丙")
    person.set_id_number(VALID_ID)
    person.set_phone("13812345678")
    person.save()
    rows = [["id", "姓名", "证件号码", "联系电话"], [person.pk, "导入丙改", person.id_number_masked, person.phone_masked]]
    job = run_import("admin", "people", csv_bytes(rows))
    assert job.updated == 1
    person.refresh_from_db()
    assert (person.name, person.id_number_clear(), person.phone_clear()) == ("导入丙改", VALID_ID, "13812345678")
    new = [["姓名", "证件号码"], ["导入丁", "110***********002X"]]
    job = run_import("admin", "people", csv_bytes(new))
    assert job.failed == 1 and not m.Person.objects.filter(name="导入丁").exists()


def test_pilot_credit_codes_are_imported_and_flagged(place, run_import):
    from stdnum.cn import uscc

    body = "91310116MA1J8B0KX"
    good = body + uscc.calc_check_digit(body)
    bad = body + ("0" if good[-1] != "0" else "1")
    rows = [["企业名称", "统一社会信用代码"], ["导入物业甲", good], ["导入物业乙", bad.lower()], ["导入物业丙", "12345"]]
    job = run_import("admin", "companies", csv_bytes(rows), mode="valid_rows")
    assert (job.created, job.flagged, job.failed) == (2, 1, 1)
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "统一社会信用代码")]
    assert m.Company.objects.get(credit_code=bad).credit_code_flagged is True
    assert m.Company.objects.get(credit_code=good).credit_code_flagged is False


def test_a_formal_contract_overlapping_another_is_refused(place, run_import):
    header = ["管理区域编码", "企业信用代码", "合同类型", "开始日期", "结束日期"]
    code = place.company.credit_code
    rows = [header, ["IMP001-1", code, "正式（业主选聘）", "2022-01-01", ""]]
    job = run_import("admin", "contracts", csv_bytes(rows))
    assert job.failed == 1 and job.errors[0]["row"] == 2 and not job.applied
    ok = [header, ["IMP002-1", code, str(ContractKind.FORMAL.label), "2021-01-01", "2023-12-31"],
          ["IMP002-1", code, str(ContractKind.FORMAL.label), "2023-06-01", ""]]
    job = run_import("admin", "contracts", csv_bytes(ok))
    assert [e["row"] for e in job.errors] == [3]  # overlaps the row above it, in the same file


def test_committees_with_members(place, run_import):
    header = ["管理区域编码", "业委会名称", "成立日期", "委员姓名", "职务", "任职起"]
    rows = [header, ["IMP001-1", "导入业委会", "2020-06-01", "委员甲", "主任", "2020-06-01"],
            ["IMP001-1", "导入业委会", "2020-06-01", "委员乙", "委员", "2020-06-01"]]
    job = run_import("admin", "committees", csv_bytes(rows))
    assert problems(job) == [] and job.created == 2
    committee = m.OwnersCommittee.objects.get(name="导入业委会")
    assert committee.established_on == dt.date(2020, 6, 1)
    assert sorted(committee.members.values_list("name", "role")) == [("委员乙", "member"), ("委员甲", "chair")]
    assert run_import("admin", "committees", csv_bytes(rows)).unchanged == 2


def test_an_applied_upload_is_not_kept(place, run_import):
    dry = run_import("admin", "homes", homes(home("101")), dry_run=True)
    assert dry.file and dry.file.storage.exists(dry.file.name)
    from fangguan.imports.services import import_apply

    applied = import_apply(actor=dry.created_by, job=dry, mode="all_or_nothing")
    from fangguan.imports.engine import run_job

    applied = run_job(applied.pk)
    dry.refresh_from_db()
    assert applied.applied and not applied.file and not dry.file


def test_uploads_of_dry_runs_never_applied_are_removed_after_the_keep_period(place, run_import):
    import datetime as _dt

    from django.utils import timezone as _tz

    from fangguan.imports.services import import_uploads_purge

    job = run_import("admin", "homes", homes(home("101")), dry_run=True)
    path = job.file.path
    assert job.file and Path(path).exists()
    assert import_uploads_purge() == 0  # still inside the keep period
    assert import_uploads_purge(now=_tz.now() + _dt.timedelta(days=8)) == 1
    job.refresh_from_db()
    assert not job.file and not Path(path).exists()
    assert (job.status, job.created) == ("succeeded", 1)  # the report stays
