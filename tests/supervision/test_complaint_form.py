"""The residents' complaint form (/supervision/complaints/new/), Chinese first: a resident files a
complaint against the company serving their estate or against its project manager; they may not
file about another estate nor name a manager who does not run theirs (refused, nothing filed);
they see only their own complaints. The handover list shows a company its own handovers only."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangguan.supervision import services
from fangguan.supervision.models import Complaint

from .conftest import login


def _manager(world, company, name, estate=None):
    m = services.manager_create(actor=world.bureau, company=company, name=name, certificate_no=f"FORM-{name}")
    if estate is not None:
        services.assign_manager(actor=world.bureau, manager=m, estate=estate,
                                start_on=timezone.localdate() - dt.timedelta(days=30))
    return m


def test_the_form_is_chinese_and_offers_the_residents_estate_and_its_managers(world):
    runs_north = _manager(world, world.north_co, "王经理", world.north)
    _manager(world, world.south_co, "李经理", world.south)
    page = login(world.resident).get("/supervision/complaints/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "我要投诉" in html and "投诉内容" in html and "提交投诉" in html
    assert world.north.name in html and world.south.name not in html
    assert runs_north.name in html and "李经理" not in html  # only the managers of their estate
    assert login(world.resident).get("/supervision/complaints/").content.decode().count(
        "/supervision/complaints/new/") == 1  # the list offers the form


def test_a_resident_files_against_the_company_and_against_a_manager(world):
    client = login(world.resident)
    r = client.post("/supervision/complaints/new/", {"estate": world.north.pk, "description": "保洁不到位"})
    assert r.status_code == 302
    c = Complaint.objects.get(reporter=world.resident)
    assert r.headers["Location"] == f"/supervision/complaints/{c.pk}/"
    assert (c.estate, c.company, c.manager, c.channel, c.status) == (world.north, world.north_co, None, "web",
                                                                      "submitted")
    m = _manager(world, world.north_co, "王经理", world.north)
    r = client.post("/supervision/complaints/new/", {"estate": world.north.pk, "manager": m.pk,
                                                     "description": "项目经理长期不在岗"})
    assert r.status_code == 302
    against = Complaint.objects.get(reporter=world.resident, manager=m)
    assert against.company == world.north_co


def test_refusals_file_nothing(world):
    elsewhere = _manager(world, world.south_co, "李经理", world.south)
    client = login(world.resident)
    before = Complaint.objects.count()
    for data, reason in (({"estate": world.south.pk, "description": "不是我的小区"}, "请选择被投诉的小区。"),
                         ({"estate": world.north.pk, "manager": elsewhere.pk, "description": "经理不在本小区"},
                          "该项目经理未在本小区任职。"),
                         ({"estate": world.north.pk, "description": "   "}, "请填写投诉内容。"),
                         ({"estate": "x", "description": "坏的编号"}, "请选择被投诉的小区。")):
        r = client.post("/supervision/complaints/new/", data)
        assert r.status_code == 200, data  # the form again, with the reason
        assert reason in r.content.decode(), data
    assert Complaint.objects.count() == before
    # a company is the one complained about, an auditor only reads: no form for them
    for user in (world.north_manager, world.auditor, world.sysadmin):
        assert login(user).get("/supervision/complaints/new/").status_code == 403
        assert login(user).post("/supervision/complaints/new/", {"estate": world.north.pk,
                                                                 "description": "x"}).status_code == 403
    assert Complaint.objects.count() == before


def test_residents_see_only_their_own_complaints(world):
    mine = services.complaint_create(actor=world.resident, estate=world.north, description="我的投诉")
    theirs = services.complaint_create(actor=world.south_resident, estate=world.south, description="别人的投诉")
    by_committee = services.complaint_create(actor=world.officer, estate=world.north, description="房办的投诉",
                                             channel="committee")
    html = login(world.resident).get("/supervision/complaints/").content.decode()
    assert f"/supervision/complaints/{mine.pk}/" in html
    assert f"/supervision/complaints/{theirs.pk}/" not in html
    assert f"/supervision/complaints/{by_committee.pk}/" not in html  # same estate, not theirs
    assert login(world.resident).get(f"/supervision/complaints/{theirs.pk}/").status_code == 404


def test_the_handover_list_shows_a_company_its_own(world):
    h = services.handover_create(actor=world.north_manager, estate=world.north, company=world.north_co,
                                 inspected_on=dt.date(2025, 5, 1), delivery_on=dt.date(2025, 6, 30))
    page = login(world.north_manager).get("/supervision/handovers/")
    assert page.status_code == 200 and "承接查验" in page.content.decode()
    assert f"/supervision/handovers/{h.pk}/" in page.content.decode()
    assert f"/supervision/handovers/{h.pk}/" not in login(world.south_manager).get(
        "/supervision/handovers/").content.decode()
    assert login(world.sysadmin).get("/supervision/handovers/").status_code == 403
