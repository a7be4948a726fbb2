"""The doors: POST/GET /api/v1/imports, the export → edit → import round trip, the command, and
the job's status table."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from fangguan.core.demomark import is_export_mark
from fangguan.imports.choices import TRANSITIONS, JobStatus
from fangguan.imports.models import ImportJob
from fangguan.imports.services import job_transition
from fangguan.registry import models as m
from tests.kit.files import csv_rows

from .conftest import csv_bytes

HOMES = ["小区编码", "楼号", "单元", "室号", "楼层", "专有面积(㎡)", "用途"]


def upload(client, kind, content, name="homes.csv", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"kind": kind, "file": SimpleUploadedFile(name, content), **fields}
    return client.client.post("/api/v1/imports", data, **client.headers)


def test_post_then_get_as_the_issue_says(place, api, django_capture_on_commit_callbacks):
    client = api("admin")
    content = csv_bytes([HOMES, ["IMP001", "1号", "1", "101", "1", "80", "住宅"], ["IMP001", "1号", "1", "102", "1", "0", "住宅"]])
    with django_capture_on_commit_callbacks(execute=True):
        r = upload(client, "homes", content, dry_run="true")
    assert r.status_code == 202 and set(r.json()) == {"id", "status"}
    body = client.get(f"/api/v1/imports/{r.json()['id']}").json()
    assert body["status"] == "succeeded" and body["progress"] == 100
    assert body["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "failed": 1}
    assert body["errors"] == [{"row": 3, "column": "专有面积(㎡)", "message": body["errors"][0]["message"]}]
    assert not m.Home.objects.filter(building=place.building).exists()
    # someone else's job answers like one that does not exist
    assert api("zhujing").get(f"/api/v1/imports/{r.json()['id']}").status_code == 404
    assert api("zhujing").get(f"/api/v1/imports/{r.json()['id']}").json() == api("zhujing").get("/api/v1/imports/999999").json()
    errors = client.get(f"/api/v1/imports/{r.json()['id']}/errors")
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/vnd.openxmlformats")
    with django_capture_on_commit_callbacks(execute=True):
        r = upload(client, "homes", content, dry_run="false", mode="valid_rows")
    assert client.get(f"/api/v1/imports/{r.json()['id']}").json()["counts"]["created"] == 1
    assert m.Home.objects.filter(building=place.building).count() == 1


@pytest.mark.parametrize(("kind", "name", "content", "status"), [
    ("homes", "x.csv", b"", 422),
    ("homes", "x.xlsx", b"not a zip", 422),
    ("castles", "x.csv", b"a\n", 422),
    ("homes", "x.doc", b"a\n", 422),
])
def test_unreadable_uploads_answer_4xx(place, api, kind, name, content, status):
    r = upload(api("admin"), kind, content, name=name)
    assert r.status_code == status and r.json()["detail"]


def test_a_kind_the_user_may_not_import_answers_403_and_anonymous_401(place, api):
    content = csv_bytes([HOMES, ["IMP001", "1号", "1", "101", "1", "80", "住宅"]])
    assert upload(api("juweihui"), "homes", content).status_code == 403
    assert upload(api(None), "homes", content).status_code == 401
    assert not m.Home.objects.filter(building=place.building).exists()


def test_kinds_and_templates(place, api):
    kinds = {k["kind"] for k in api("admin").get("/api/v1/imports/kinds").json()}
    assert kinds == {"estates", "areas", "buildings", "homes", "people", "companies", "contracts", "committees",
                     "facilities", "parcels", "projects", "permits", "affordable", "renovations"}
    assert {k["kind"] for k in api("wuye").get("/api/v1/imports/kinds").json()} == {"estates", "facilities"}
    r = api("admin").get("/api/v1/imports/templates/homes")
    assert r.status_code == 200 and r.content.startswith(b"PK")
    assert api("admin").get("/api/v1/imports/templates/castles").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_edit_import_corrects_the_record_instead_of_making_a_twin(place, api, run_import, fmt):
    from python_calamine import CalamineWorkbook

    home = m.Home.objects.create(building=place.building, room_number="101", floor=1, area_m2=Decimal("80"))
    m.Home.objects.create(building=place.building, room_number="102", floor=1, area_m2=Decimal("81"))
    r = api("admin").get("/api/v1/homes/export", format=fmt, estate=place.estate.pk)
    assert r.status_code == 200
    body = b"".join(r.streaming_content) if r.streaming else r.content
    if fmt == "csv":
        exported = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        exported = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    assert is_export_mark(exported[0][0])  # the test database holds the demo: the file says so first
    rows = exported[1:]
    assert rows[0][0] == "系统编号" and "小区编码" in rows[0] and len(rows) == 3
    # re-importing the export as it is (its 演示数据 row too) changes nothing; the mark is skipped, and said so
    job = run_import("admin", "homes", body, name=f"homes.{fmt}")
    assert (job.unchanged, job.failed) == (2, 0), job.errors
    assert [n["row"] for n in job.notes if n["column"] == "演示数据"] == [1]
    # a corrected room number changes the record
    room = rows[0].index("室号")
    for row in rows[1:]:
        if int(row[0]) == home.pk:
            row[room] = "1010"
    job = run_import("admin", "homes", csv_bytes(rows))
    assert (job.updated, job.unchanged, job.created) == (1, 1, 0)
    home.refresh_from_db()
    assert home.room_number == "1010" and m.Home.objects.filter(building=place.building).count() == 2


def test_people_export_is_an_import_file_masked_cells_unchanged(place, api, run_import):
    home = m.Home.objects.create(building=place.building, room_number="101", floor=1, area_m2=Decimal("80"))
    person = m.Person(name="导出人")
    person.set_id_number("11010519491231002X")
    person.save()
    m.HomeShare.objects.create(home=home, person=person, since="2020-01-01")
    for username in ("admin", "wuye"):  # admin exports in clear (a POST, issue 14), wuye sees masked values
        if username == "admin":
            r = api(username).post(f"/api/v1/people/export/clear?estate={place.estate.pk}",
                                   {"reason": "核对", "purpose": "核对产权", "format": "csv"})
            rows = csv_rows(b"".join(r.streaming_content))[1:]  # watermark
        else:
            r = api(username).get("/api/v1/people/export", format="csv", estate=place.estate.pk)
            rows = csv_rows(b"".join(r.streaming_content))
        mine = [row for row in rows if row and row[0] == str(person.pk)]
        assert len(mine) == 1
        number = mine[0][rows[0].index("证件号码")]
        assert (number == "11010519491231002X") is (username == "admin")
    job = run_import("admin", "people", csv_bytes([rows[0], *mine]))  # wuye's masked row, imported by admin
    assert (job.unchanged, job.failed) == (1, 0), job.errors


def test_the_command(place, tmp_path, capsys):
    path = tmp_path / "homes.csv"
    path.write_bytes(csv_bytes([HOMES, ["IMP001", "1号", "1", "101", "1", "80", "住宅"]]))
    call_command("import_registry", "homes", str(path), "--dry-run", "--user", "zhujing")
    out = capsys.readouterr().out
    assert "created 1" in out and "written: no" in out
    assert not m.Home.objects.filter(building=place.building).exists()
    call_command("import_registry", "homes", str(path), "--user", "zhujing")
    job = ImportJob.objects.latest("pk")
    assert job.applied and m.Home.objects.filter(building=place.building).count() == 1
    from fangguan.core.models import ChangeLog

    assert ChangeLog.objects.filter(cause=f"import:{job.pk}", actor_name="zhujing").count() == 1
    path.write_bytes(csv_bytes([HOMES, ["IMP002", "1号", "1", "101", "1", "80", "住宅"]]))
    with pytest.raises(CommandError):
        call_command("import_registry", "homes", str(path), "--user", "zhujing")
    with pytest.raises(CommandError):
        call_command("import_registry", "homes", str(path), "--user", "nobody")


@pytest.mark.parametrize("start", list(JobStatus.values))
@pytest.mark.parametrize("to", list(JobStatus.values))
def test_every_status_change(place, users, start, to):
    job = ImportJob.objects.create(kind="homes", created_by=users["admin"], filename="x.csv", status=start)
    if to in TRANSITIONS[start]:
        job_transition(job=job, to=to)
        job.refresh_from_db()
        assert job.status == to
    else:
        with pytest.raises(ValidationError):
            job_transition(job=job, to=to)
        job.refresh_from_db()
        assert job.status == start


@pytest.mark.parametrize("kind", ["estates", "areas", "buildings", "homes", "people", "companies", "contracts",
                                  "committees", "facilities"])
@pytest.mark.parametrize("username", ["admin", "zhujing", "wuye"])
def test_every_export_is_a_valid_import_file_of_its_kind(place, api, run_import, kind, username):
    """Export → import as it is: every row matches its record and nothing changes."""
    import datetime as dt

    home = m.Home.objects.create(building=place.building, room_number="101", floor=1, area_m2=Decimal("80"))
    person = m.Person(name="往返人", phone_masked="")
    person.set_id_number("11010519491231002X")
    person.set_phone("13812345678")
    person.save()
    m.HomeShare.objects.create(home=home, person=person, since=dt.date(2020, 1, 1), share_percent=Decimal("60"))
    m.Facility.objects.create(estate=place.estate, building=place.building, kind="cctv", location="大门",
                              installed_on=dt.date(2021, 1, 1))
    committee = m.OwnersCommittee.objects.create(area=place.area, name="往返业委会", established_on=dt.date(2020, 6, 1))
    m.CommitteeMember.objects.create(committee=committee, person=person, name="往返人", role="chair",
                                     start_on=dt.date(2020, 6, 1))
    params = {"estate": place.estate.pk}
    if kind == "estates":
        params = {"q": "IMP001"}
    r = api(username).get(f"/api/v1/{kind}/export", format="csv", **params)
    assert r.status_code == 200
    rows = csv_rows(b"".join(r.streaming_content))
    assert len(rows) > 1, kind
    from fangguan.accounts.models import User
    from fangguan.imports.specs import get_spec

    if not get_spec(kind).offered(User.objects.get(username=username)):
        return  # a town office exports the company register but does not import it
    job = run_import(username, kind, csv_bytes(rows))
    assert (job.failed, job.created, job.updated, job.errors) == (0, 0, 0, []), kind
    assert job.unchanged == len(rows) - 1


def test_exports_say_the_pages_words_and_old_headings_still_import(place, api, run_import):
    """Issue 18, consistency: an export's headings and sheet were English ("id", "estates-…") and
    its words differed from the page's (撤销日期 where the page says 注销日期). Now the system id is
    系统编号, the removal date 注销日期 as on the page, the sheet 小区; a file headed the old way
    ("id", 撤销日期) still imports."""
    from openpyxl import load_workbook

    from fangguan.registry.models import Estate

    r = api("admin").get("/api/v1/estates/export", format="xlsx", q=place.estate.code)
    assert r.status_code == 200
    body = b"".join(r.streaming_content) if r.streaming else r.content
    book = load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames == ["小区"]
    rows = [list(row) for row in book["小区"].iter_rows(values_only=True)]
    header = rows[1] if is_export_mark(rows[0][0]) else rows[0]
    assert header[0] == "系统编号" and "注销日期" in header and "撤销日期" not in header
    assert str(Estate._meta.get_field("removed_on").verbose_name) == "注销日期"  # the page's column
    old = csv_bytes([["id", "小区编码", "小区名称", "街镇", "小区类型", "建筑面积(㎡)", "交付日期", "撤销日期"],
                     [place.estate.pk, place.estate.code, place.estate.name, place.estate.town.name,
                      place.estate.get_estate_type_display(), str(place.estate.floor_area_m2), "2000-01-01",
                      "2030-01-01"]])
    job = run_import("admin", "estates", old)
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert str(Estate.objects.get(pk=place.estate.pk).removed_on) == "2030-01-01"
