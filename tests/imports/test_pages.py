"""The pages: upload → dry-run report → apply → result, for the user who started the job only."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangguan.accounts.models import User
from fangguan.imports.models import ImportJob
from fangguan.registry import models as m

from .conftest import csv_bytes

HOMES = ["小区编码", "楼号", "单元", "室号", "楼层", "专有面积(㎡)", "用途"]


def test_upload_check_apply(place, client, django_capture_on_commit_callbacks):
    client.force_login(User.objects.get(username="zhujing"))
    page = client.get(reverse("imports:new"))
    assert page.status_code == 200 and "homes" in page.content.decode()
    content = csv_bytes([HOMES, ["IMP001", "1号", "1", "101", "1", "80", "住宅"],
                         ["IMP001", "1号", "1", "102", "1", "-3", "住宅"]])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("imports:new"), {"kind": "homes", "file": SimpleUploadedFile("h.csv", content)})
    job = ImportJob.objects.latest("pk")
    assert r.status_code == 302 and r["Location"] == reverse("imports:detail", args=[job.pk])
    page = client.get(r["Location"]).content.decode()
    assert 'data-count="created">1<' in page and 'data-count="failed">1<' in page and "专有面积" in page
    assert reverse("imports:errors", args=[job.pk]) in page
    status = client.get(reverse("imports:status", args=[job.pk]))
    assert status["HX-Refresh"] == "true"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("imports:apply", args=[job.pk]), {"mode": "valid_rows"})
    applied = ImportJob.objects.latest("pk")
    assert applied.source_id == job.pk and applied.applied and r["Location"] == reverse("imports:detail", args=[applied.pk])
    assert list(m.Home.objects.filter(building=place.building).values_list("room_number", flat=True)) == ["101"]
    assert "导入" in client.get(reverse("imports:list")).content.decode() or job.filename
    assert client.get(reverse("imports:template", args=["homes"])).status_code == 200
    # another user: not found; a user without imports: no menu, refused
    client.force_login(User.objects.get(username="admin"))
    assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 404
    client.force_login(User.objects.get(username="juweihui"))
    assert client.get(reverse("imports:new")).status_code == 403
    assert reverse("imports:list") not in client.get("/").content.decode()


def test_a_bad_upload_is_shown_on_the_form(place, client):
    client.force_login(User.objects.get(username="admin"))
    r = client.post(reverse("imports:new"), {"kind": "homes", "file": SimpleUploadedFile("h.xlsx", b"plain text")})
    assert r.status_code == 200 and "invalid-feedback" in r.content.decode()
