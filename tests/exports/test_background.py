"""Background exports (issue 18, "Big exports fail"): a list above FANGGUAN_EXPORT_BACKGROUND_ROWS
becomes a job that runs to the end with exactly the owner's rows; small lists stay immediate;
a failed job says why; expiry deletes the file; only the owner downloads, and every download is a
security event. Oracles are this file's own ORM queries, not the module's scope code."""

from __future__ import annotations

import datetime as dt
import io
import os

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from fangguan.core.models import SecurityEvent
from fangguan.exports import services
from fangguan.exports.choices import TRANSITIONS, ExportStatus
from fangguan.exports.models import ExportJob
from fangguan.notifications.models import Notification
from fangguan.registry.demo import DEMO_PASSWORD
from fangguan.registry.models import Home
from tests.kit.files import csv_rows, without_mark

pytestmark = pytest.mark.django_db


def _csv_ids(content: bytes) -> list[int]:
    rows = csv_rows(content)
    assert rows[0][0] == "系统编号"
    return [int(r[0]) for r in rows[1:]]


def _xlsx_ids(content: bytes) -> list[int]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = without_mark(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "系统编号"
    return [int(r[0]) for r in rows[1:]]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _zhujing_homes() -> set[int]:
    """朱泾镇's homes, by the town's name (the town office's area), not through any scope code."""
    return set(Home.objects.filter(building__estate__town__name="朱泾镇").values_list("pk", flat=True))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_big_export_runs_to_the_end_as_a_job_with_the_owners_rows(api, users, fmt,
                                                                     django_capture_on_commit_callbacks):
    expected = _zhujing_homes()
    assert len(expected) > 20  # above the test's threshold
    with django_capture_on_commit_callbacks(execute=True):
        r = api("zhujing").get("/api/v1/homes/export", format=fmt, ordering="-floor")
    assert r.status_code == 202, r.content
    answer = r.json()
    assert answer["rows_total"] == len(expected) and answer["page"] == "/exports/"
    job = ExportJob.objects.get(pk=answer["id"])
    assert job.owner == users["zhujing"] and job.status == ExportStatus.SUCCEEDED
    assert job.rows_done == job.rows_total == len(expected) and job.expires_at > timezone.now()
    polled = api("zhujing").get(answer["url"]).json()
    assert polled["status"] == "succeeded" and polled["progress"] == 100
    assert polled["size"] == os.path.getsize(job.file.path) > 0
    before = SecurityEvent.objects.filter(action="export").count()
    f = api("zhujing").get(polled["download_url"])
    assert f.status_code == 200 and "no-store" in f["Cache-Control"]
    ids = (_csv_ids if fmt == "csv" else _xlsx_ids)(_body(f))
    assert set(ids) == expected and len(ids) == len(expected)
    assert ids == list(Home.objects.filter(pk__in=expected).order_by("-floor", "-pk").values_list("pk", flat=True))
    # the export itself (written by the worker) and the download, both logged
    run = SecurityEvent.objects.filter(action="export", detail__job=job.pk, detail__download__isnull=True).get()
    assert run.actor == users["zhujing"] and run.detail["rows"] == len(expected) and run.outcome == "success"
    download = SecurityEvent.objects.filter(action="export", detail__download=True, object_id=job.pk).get()
    assert download.actor == users["zhujing"] and download.detail["rows"] == len(expected)
    assert SecurityEvent.objects.filter(action="export").count() == before + 1
    note = Notification.objects.get(recipient=users["zhujing"], topic="exports")
    assert note.url == f"/exports/{job.pk}/download/"


def test_a_filtered_export_has_the_filtered_rows(api, users, django_capture_on_commit_callbacks):
    home = Home.objects.filter(building__estate__town__name="朱泾镇").first()
    estate = home.building.estate_id
    expected = set(Home.objects.filter(building__estate_id=estate).values_list("pk", flat=True))
    assert len(expected) > 20
    with django_capture_on_commit_callbacks(execute=True):
        r = api("admin").get("/api/v1/homes/export", format="csv", estate=estate)
    assert r.status_code == 202
    job = ExportJob.objects.get(pk=r.json()["id"])
    assert job.filters == {"estate": estate}
    with job.file.open("rb") as fh:
        assert set(_csv_ids(fh.read())) == expected


def test_a_small_export_stays_immediate(api, settings):
    expected = _zhujing_homes()
    settings.FANGGUAN_EXPORT_BACKGROUND_ROWS = len(expected)  # exactly the threshold: immediate
    r = api("zhujing").get("/api/v1/homes/export", format="csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert set(_csv_ids(_body(r))) == expected
    assert not ExportJob.objects.exists()
    settings.FANGGUAN_EXPORT_BACKGROUND_ROWS = len(expected) - 1  # one row more than it: a job
    assert api("zhujing").get("/api/v1/homes/export", format="csv").status_code == 202


def test_the_download_is_refused_to_everyone_but_the_owner(api, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = api("admin").get("/api/v1/homes/export", format="xlsx").json()["id"]
    events_before = SecurityEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    for role in [r for r in users if r != "admin"]:
        assert api(role).get(f"/api/v1/exports/{job_id}/file").status_code == 404, role
        assert api(role).get(f"/api/v1/exports/{job_id}").status_code == 404, role
        assert job_id not in [j["id"] for j in api(role).get("/api/v1/exports").json()["items"]]
        web = Client()
        assert web.login(username=role, password=DEMO_PASSWORD)
        assert web.get(f"/exports/{job_id}/download/").status_code == 404, role
    assert api(None).get(f"/api/v1/exports/{job_id}/file").status_code == 401
    anonymous = Client().get(f"/exports/{job_id}/download/")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert not SecurityEvent.objects.filter(pk__gt=events_before, action="export", detail__download=True).exists()
    with pytest.raises(Exception, match="只有申请导出的用户"):
        services.export_download(actor=users["zhujing"], job=ExportJob.objects.get(pk=job_id))


def _job(users, **fields) -> ExportJob:
    return ExportJob.objects.create(**{"owner": users["zhujing"], "source": "homes", "format": "csv", "rows_total": 10,
                                       **fields})


def test_a_failed_job_records_its_reason_and_leaves_no_file(users, monkeypatch, settings):
    bad = _job(users, filters={"estate": "not a number"})
    services.run_export(bad.pk)
    bad.refresh_from_db()
    assert bad.status == ExportStatus.FAILED and bad.error == "筛选条件无效。"  # in the job's language
    assert not bad.file and bad.finished_at is not None

    def disk_full(path, fmt, name, headers, rows, preamble=None, sheet=None):
        with open(path, "w") as fh:
            for n, _row in enumerate(rows):
                if n == 3:
                    raise OSError("disk full")
                fh.write("row\n")

    monkeypatch.setattr(services, "write_file", disk_full)
    broken = _job(users)
    services.run_export(broken.pk)
    broken.refresh_from_db()
    assert broken.status == ExportStatus.FAILED and "OSError" in broken.error
    assert not broken.file
    exports_dir = os.path.join(settings.MEDIA_ROOT, "exports")
    assert not [f for _d, _s, files in os.walk(exports_dir) for f in files]  # the partial file went
    note = Notification.objects.filter(recipient=users["zhujing"], topic="exports").latest("pk")
    assert note.body == broken.error and note.url == "/exports/"
    # the export event says the file broke off
    assert SecurityEvent.objects.filter(action="export", detail__job=broken.pk, outcome="failure").exists()


def test_a_background_job_never_writes_personal_data_in_clear(users):
    job = _job(users, unmasked=True)
    job.source = "people"
    job.save()
    services.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file and job.error


def test_expiry_deletes_the_file(users, settings):
    settings.FANGGUAN_EXPORT_KEEP_DAYS = 3
    job = _job(users)
    services.run_export(job.pk)
    job.refresh_from_db()
    path = job.file.path
    assert os.path.exists(path) and job.expires_at - job.finished_at == dt.timedelta(days=3)
    assert services.exports_expire(now=job.expires_at - dt.timedelta(seconds=1)) == []
    assert os.path.exists(path)
    assert services.exports_expire(now=job.expires_at) == [job.pk]
    job.refresh_from_db()
    assert not os.path.exists(path) and job.status == ExportStatus.EXPIRED and not job.file and not job.ready
    web = Client()
    web.login(username="zhujing", password=DEMO_PASSWORD)
    assert web.get(f"/exports/{job.pk}/download/").status_code == 404


def test_a_job_whose_worker_died_fails_and_its_file_goes(users, settings):
    job = _job(users)
    stale = timezone.now() - dt.timedelta(seconds=settings.FANGGUAN_EXPORT_STALE_SECONDS + 1)
    name = "exports/partial.csv"
    os.makedirs(os.path.join(settings.MEDIA_ROOT, "exports"), exist_ok=True)
    with open(os.path.join(settings.MEDIA_ROOT, name), "w") as fh:
        fh.write("id\n1\n")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, started_at=stale, progress_at=stale,
                                               file=name)
    alive = _job(users)
    ExportJob.objects.filter(pk=alive.pk).update(status=ExportStatus.RUNNING, started_at=stale,
                                                 progress_at=timezone.now())
    assert services.exports_reap() == [job.pk]
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "worker" in job.error.lower() + "worker" and not job.file
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, name))
    assert ExportJob.objects.get(pk=alive.pk).status == ExportStatus.RUNNING


def test_every_status_change_outside_the_table_is_refused(users):
    from django.core.exceptions import ValidationError

    for start in ExportStatus.values:
        for to in ExportStatus.values:
            job = _job(users, status=start)
            if to in TRANSITIONS[start]:
                assert services.job_transition(job=job, to=to).status == to
            else:
                with pytest.raises(ValidationError):
                    services.job_transition(job=job, to=to)
                assert ExportJob.objects.get(pk=job.pk).status == start


def test_a_big_list_page_asks_for_a_background_export(users, django_capture_on_commit_callbacks):
    web = Client()
    web.login(username="zhujing", password=DEMO_PASSWORD)
    page = web.get("/r/homes/")
    assert b'id="export-background"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        r = web.post("/exports/new/", {"list": "homes", "format": "csv", "ordering": "-floor", "next": "/r/homes/"})
    assert r.status_code == 302 and r["Location"] == "/exports/"
    job = ExportJob.objects.get(owner=users["zhujing"])
    assert job.status == ExportStatus.SUCCEEDED and job.ordering == "-floor" and job.rows_done == len(_zhujing_homes())
    listing = web.get("/exports/")
    assert f"/exports/{job.pk}/download/".encode() in listing.content
    bad = web.post("/exports/new/", {"list": "homes", "format": "csv", "ordering": "nonsense", "next": "/r/homes/"})
    assert bad.status_code == 302 and bad["Location"] == "/r/homes/"
    assert ExportJob.objects.count() == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_background_file_writes_a_formula_as_text(users, fmt):
    """The same formula-safe cells as an immediate export (core.exports, issue 14)."""
    home = Home.objects.filter(building__estate__town__name="朱泾镇").order_by("pk").first()
    Home.objects.filter(pk=home.pk).update(room_number="=1+2")
    job = _job(users, format=fmt)
    services.run_export(job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as fh:
        content = fh.read()
    if fmt == "csv":
        rows = csv_rows(content)
        row = next(r for r in rows[1:] if r[0] == str(home.pk))
        assert "'=1+2" in row
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        cells = [c for r in sheet.iter_rows() if r[0].value == home.pk for c in r]
        cell = next(c for c in cells if c.value == "=1+2")
        assert cell.data_type == "s"
