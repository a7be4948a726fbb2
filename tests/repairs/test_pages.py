"""The pages: a resident reports with a photo and answers; the dispatcher's queue and actions;
the grid's overdue list and acknowledgement; the figures page and its .xlsx; the menu."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from fangguan.repairs import services
from fangguan.repairs.models import RepairRequest
from fangguan.repairs.views import nav_section

from .conftest import png_upload

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c


def test_a_resident_reports_with_a_photo_and_sees_it(world):
    c = login(world.resident)
    page = c.get("/repairs/new/")
    assert page.status_code == 200 and "报修" in page.content.decode()
    r = c.post("/repairs/new/", {"category": "roof-leak", "where": f"home:{world.home.pk}",
                                 "estate": world.estate.pk, "description": "卧室天花板渗水",
                                 "photos": [png_upload()]})
    assert r.status_code == 302, r.content.decode()[:2000]
    req = RepairRequest.objects.get(reporter=world.resident, description="卧室天花板渗水")
    assert req.home == world.home and req.photos.count() == 1
    detail = c.get(r["Location"]).content.decode()
    assert "卧室天花板渗水" in detail and "已提交" in detail and 'data-action="cancel"' in detail
    photo = c.get(f"/repairs/photos/{req.photos.get().pk}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert login(world.other_resident).get(f"/repairs/photos/{req.photos.get().pk}/").status_code == 404
    assert login(world.other_dispatcher).get(f"/repairs/{req.pk}/").status_code == 404
    mine = c.get("/repairs/mine/").content.decode()
    assert f"#{req.pk}" in mine


def test_a_bad_report_shows_errors_and_files_nothing(world):
    count = RepairRequest.objects.count()
    r = login(world.resident).post("/repairs/new/", {"category": "", "where": "grounds", "description": ""})
    assert r.status_code == 422 and "alert-danger" in r.content.decode()
    fake = io.BytesIO(b"not an image")
    fake.name = "x.jpg"
    r = login(world.resident).post("/repairs/new/", {"category": "other", "where": "grounds", "description": "x",
                                                     "estate": world.estate.pk,
                                                     "photos": [fake]})
    assert r.status_code == 422 and "不是照片" in r.content.decode()
    assert RepairRequest.objects.count() == count


def test_the_dispatcher_queue_and_actions(world):
    late = world.file(description="旧的", place="grounds", home=None, at=timezone.now() - dt.timedelta(days=10))
    new = world.file(description="新的", place="lift", home=None)
    c = login(world.dispatcher)
    queue = c.get("/repairs/").content.decode()
    assert queue.index(f"#{late.pk} ") < queue.index(f"#{new.pk} ")  # nearest deadline first
    for data in ({"action": "accept"}, {"action": "assign", "assignee": world.technician.pk}, {"action": "start"}):
        assert c.post(f"/repairs/{new.pk}/act/", data).status_code == 302
    r = c.post(f"/repairs/{new.pk}/act/", {"action": "complete", "note": "已修", "photos": [png_upload("done.png")]},
               follow=True)
    assert "已完成" in r.content.decode()
    new.refresh_from_db()
    assert new.status == "completed" and new.photos.filter(stage="completion").count() == 1
    r = c.post(f"/repairs/{new.pk}/act/", {"action": "reject", "reason": "x"}, follow=True)
    assert "不能进行此操作" in r.content.decode()  # 409 shown as a message, nothing changed
    new.refresh_from_db()
    assert new.status == "completed"
    r = login(world.resident).post(f"/repairs/{new.pk}/act/", {"action": "confirm", "rating": "4"}, follow=True)
    new.refresh_from_db()
    assert new.status == "closed" and new.rating == 4


def test_the_grid_sees_overdue_and_acknowledges(world):
    r = world.file(at=timezone.now() - dt.timedelta(days=10))
    services.tick()
    c = login(world.committee)
    page = c.get("/repairs/overdue/").content.decode()
    assert f"#{r.pk} " in page and "签收" in page
    c.post(f"/repairs/{r.pk}/act/", {"action": "acknowledge"})
    assert not r.escalations.filter(level="committee", state="sent").exists()
    assert login(world.town).post(f"/repairs/{r.pk}/act/", {
        "action": "supervise", "note": "限期处理", "answer_due": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
    }).status_code == 302
    assert r.supervisions.get().note == "限期处理"


def test_the_figures_page_and_export(world):
    world.file()
    c = login(world.bureau)
    page = c.get("/repairs/stats/", {"group_by": "town"})
    assert page.status_code == 200 and "repairs-charts" in page.content.decode()
    export = c.get("/repairs/stats/export/", {"group_by": "company"})
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content)) if export.streaming else
                         io.BytesIO(export.getvalue()))
    rows = list(book.active.values)
    assert rows[-1][0] == "合计" and rows[-1][1] == services.RepairRequest.objects.filter(merged_into=None).count()
    assert login(world.resident).get("/repairs/stats/").status_code == 403
    from fangguan.accounts.models import User

    assert login(User.objects.get(username="sysadmin")).get("/repairs/stats/").status_code == 403


def test_the_menu_per_role(world):
    names = lambda user: [i["name"] for i in (nav_section(user) or {"items": []})["items"]]  # noqa: E731
    assert names(world.resident) == ["repairs-new", "repairs-mine"]
    assert "repairs-queue" in names(world.dispatcher) and "repairs-overdue" in names(world.committee)
    assert "repairs-stats" in names(world.bureau)
