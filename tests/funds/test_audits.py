"""Annual and end-of-term audit reports (Shanghai 2020 rules Art. 67 ¶2): attached as a PDF and
posted to the owners for 30 days — the owners of the estate see a report from the day it is posted
through the 30th day, not on the 31st; the estate's staff see every report; who may not post is
refused (403) before anything is checked, and no refusal stores anything."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fangguan.core.machine import ActionConflict
from fangguan.funds import services
from fangguan.funds.models import AuditReport

from .conftest import login
from .test_api import client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
YEAR = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
TERM = (dt.date(2020, 6, 1), dt.date(2025, 5, 31))


def pdf(name="audit.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def stored():
    return list(AuditReport.objects.order_by("pk").values_list("pk", "estate_id", "kind", "posted_on", "digest"))


def post(world, role, kind="annual", period=YEAR, on=None, upload=None, auditor="金山审计事务所"):
    return services.audit_post(actor=world.users[role], estate=world.estate, kind=kind, period_start=period[0],
                               period_end=period[1], auditor=auditor, upload=upload or pdf(), on=on)


def test_owners_see_a_report_through_its_30th_day_and_not_on_the_31st(world):
    today = timezone.localdate()
    day_30 = post(world, "committee", on=today - dt.timedelta(days=29))  # today is its 30th day on the board
    day_31 = post(world, "bookkeeper", kind="end_of_term", period=TERM, on=today - dt.timedelta(days=30))
    assert (day_30.posted_until - day_30.posted_on).days + 1 == 30 and day_30.posted_until == today
    assert day_31.posted_until == today - dt.timedelta(days=1)
    for owner in ("ann", "fay"):  # owners of the estate: the report of its 30th day only
        body = client(world, owner).get("/api/v1/funds/audits").json()
        assert [(a["id"], a["on_board"]) for a in body["items"]] == [(day_30.pk, True)], owner
        c = client(world, owner)
        assert c.get(f"/api/v1/funds/audits/{day_30.pk}/file").status_code == 200
        assert c.get(f"/api/v1/funds/audits/{day_31.pk}/file").status_code == 404
        page = login(world.users[owner])
        r = page.get(f"/funds/audits/{day_30.pk}/file/")
        assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
        assert page.get(f"/funds/audits/{day_31.pk}/file/").status_code == 404
        assert f"/funds/audits/{day_31.pk}/file/" not in page.get("/funds/audits/").content.decode()
    for role in ("committee", "bookkeeper", "bureau", "town", "auditor", "neighbourhood"):  # staff: both
        items = client(world, role).get("/api/v1/funds/audits", estate=world.estate.pk).json()["items"]
        assert {a["id"]: a["on_board"] for a in items} == {day_30.pk: True, day_31.pk: False}, role
        assert client(world, role).get("/api/v1/funds/audits", on_board="false").json()["count"] == 1, role
    for role in ("outsider", "other_town", "other_bookkeeper", "company", "it"):  # nobody else
        assert client(world, role).get("/api/v1/funds/audits").json()["count"] == 0, role
        assert client(world, role).get(f"/api/v1/funds/audits/{day_30.pk}/file").status_code == 404, role
    assert client(world, None).get("/api/v1/funds/audits").status_code == 401


def test_the_report_as_posted_is_the_file_and_its_digest(world):
    import hashlib

    report = post(world, "committee")
    with report.file.open("rb") as fh:
        assert fh.read() == PDF
    assert report.digest == hashlib.sha256(PDF).hexdigest() and report.size == len(PDF)
    for sql in ("UPDATE funds_auditreport SET auditor = 'x'", "DELETE FROM funds_auditreport"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditReport.objects.get(pk=report.pk).auditor == "金山审计事务所"


def test_refusals_come_in_order_and_change_nothing(world):
    first = post(world, "committee")
    before = stored()
    for role in ("ann", "town", "auditor", "neighbourhood", "company", "other_bookkeeper", "it"):
        for upload in (pdf(), pdf("x.txt", b"not a pdf")):  # refused before the file is looked at
            with pytest.raises(PermissionDenied):
                post(world, role, upload=upload)
        with pytest.raises(PermissionDenied):  # … and before the conflict is told
            post(world, role, period=(first.period_start, first.period_end))
    bad = [dict(upload=pdf("x.pdf", b"GIF89a not a pdf")), dict(kind="monthly"), dict(auditor="  "),
           dict(period=(dt.date(2024, 12, 31), dt.date(2024, 1, 1))),
           dict(period=(dt.date(2024, 1, 1), timezone.localdate()))]  # a period not yet over
    for kw in bad:
        with pytest.raises(ValidationError):
            post(world, "committee", **kw)
    with pytest.raises(ActionConflict):
        post(world, "bookkeeper")
    assert stored() == before


def test_through_the_api_and_the_page(world):
    url = "/api/v1/funds/audits"
    form = {"estate": world.estate.pk, "kind": "annual", "period_start": "2023-01-01", "period_end": "2023-12-31",
            "auditor": "金山审计事务所"}

    def send(role, **extra):
        c = client(world, role)
        return c.client.post(url, {**form, "file": pdf(), **extra}, **c.headers)

    # an estate whose books the caller cannot see is named in the body: 422 on ``estate``, in Chinese
    for role, status in {"ann": 422, "outsider": 422, "company": 422, "other_bookkeeper": 422, "town": 403,
                         "auditor": 403, None: 401}.items():
        r = send(role)
        assert r.status_code == status, role
        if status == 422:
            assert r.json()["errors"]["estate"] == [f"记录不存在：{world.estate.pk}。"], r.content
    assert stored() == []
    r = send("bookkeeper")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["posted_until"] == (timezone.localdate() + dt.timedelta(days=29)).isoformat() and body["on_board"]
    assert send("committee").status_code == 409
    assert send("committee", period_end="2023-12-01", kind="end_of_term", file=pdf("a.pdf", b"plain")).status_code == 422
    assert len(stored()) == 1
    page = login(world.users["committee"])
    r = page.post("/funds/audits/", {**form, "period_start": "2022-01-01", "period_end": "2022-12-31",
                                     "file": pdf()})
    assert r.status_code == 302 and len(stored()) == 2
    refused = login(world.users["town"])
    r = refused.post("/funds/audits/", {**form, "period_start": "2021-01-01", "period_end": "2021-12-31",
                                        "file": pdf()})
    assert r.status_code == 302 and len(stored()) == 2
    html = login(world.users["ann"]).get("/funds/audits/").content.decode()
    assert len(re.findall(r'href="/funds/audits/\d+/file/"', html)) == 2 and "金山审计事务所" in html


def test_posting_tells_each_owner_of_the_estate_once_and_a_refusal_tells_nobody(world):
    from fangguan.notifications.models import Notification
    from fangguan.registry.models import HomeShare

    def told():
        return sorted(Notification.objects.filter(topic="funds.audit_posted").values_list("recipient__username",
                                                                                           flat=True))

    for role in ("ann", "town", "company"):
        with pytest.raises((PermissionDenied, ValidationError)):
            post(world, role)
    assert told() == []
    report = post(world, "bookkeeper")
    # the owners, restated from the shares of the estate's homes: Ann (two homes, told once), Bo,
    # Dee, Fay, Gus — not the owner elsewhere, not the committee or the bookkeeper as such
    from fangguan.registry.models import Person

    people = HomeShare.objects.filter(home__building__estate=world.estate).values("person_id")
    expected = sorted(Person.objects.filter(pk__in=people, user__isnull=False).values_list("user__username", flat=True))
    assert told() == expected == sorted(["fd-ann", "fd-bo", "fd-dee", "fd-fay", "fd-gus"])
    n = Notification.objects.get(topic="funds.audit_posted", recipient=world.users["ann"])
    assert world.estate.name in n.title and n.url == "/funds/audits/"
    assert report.posted_until.isoformat() in n.body


def late(world, role, today) -> set[int]:
    from fangguan.funds import selectors

    return {row["estate"].pk for row in selectors.late_audits(world.users[role], today)}


def test_estates_late_with_their_annual_audit(world):
    from fangguan.registry.models import Estate

    # the parameter: 120 days after 31 December (the seeded rules); the last year whose day has passed
    may_1, apr_30 = dt.date(2026, 5, 1), dt.date(2026, 4, 30)
    assert world.estate.pk in late(world, "bureau", may_1)  # 2025's audit was due by 30 April 2026
    post(world, "committee", period=(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), on=dt.date(2026, 3, 1))
    assert world.estate.pk not in late(world, "bureau", may_1)
    assert world.estate.pk in late(world, "bureau", apr_30)  # on the due day 2025's is still in time: 2024's is asked
    post(world, "committee", period=(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), on=dt.date(2025, 2, 1))
    assert world.estate.pk not in late(world, "bureau", apr_30)
    # an end-of-term audit is not the annual one
    post(world, "committee", kind="end_of_term", period=(dt.date(2021, 1, 1), dt.date(2023, 12, 31)),
         on=dt.date(2024, 2, 1))
    assert world.estate.pk in late(world, "bureau", dt.date(2024, 6, 1))  # 2023's annual audit is missing
    # an estate delivered after the year began is not expected to have that year's audit
    Estate.objects.filter(pk=world.estate.pk).update(delivered_on=dt.date(2023, 1, 2))
    assert world.estate.pk not in late(world, "bureau", dt.date(2024, 6, 1))


def test_who_sees_the_late_audits_and_the_page(world):
    may_1 = dt.date(2026, 5, 1)
    for role in ("bureau", "auditor", "town"):
        assert world.estate.pk in late(world, role, may_1), role
    for role in ("other_town", "company", "it", "ann", "neighbourhood", "other_bookkeeper"):
        assert world.estate.pk not in late(world, role, may_1), role
    # the page: the figure readers get the list, restated here for today from the tables
    from fangguan.funds.models import Account, AuditReport

    today = timezone.localdate()
    year = today.year - 1 if today > dt.date(today.year - 1, 12, 31) + dt.timedelta(days=120) else today.year - 2
    with_books = set(Account.objects.filter(kind="bank").values_list("estate_id", flat=True))
    audited = set(AuditReport.objects.filter(kind="annual", period_end__year=year).values_list("estate_id", flat=True))
    from fangguan.registry.models import Estate

    expected = {e.pk for e in Estate.objects.filter(pk__in=with_books - audited)
                if e.delivered_on is None or e.delivered_on <= dt.date(year, 1, 1)}
    html = login(world.users["bureau"]).get("/funds/audits/").content.decode()
    assert {int(x) for x in re.findall(r'data-late-audit="(\d+)"', html)} == expected
    assert expected  # the world's estate at least (no annual audit posted)
    assert f"未公示 {year} 年度审计报告的小区" in html
    for role in ("ann", "committee"):
        assert "data-late-audit" not in login(world.users[role]).get("/funds/audits/").content.decode(), role


def late_by_hand(estates, today: dt.date) -> tuple[int, set[int]]:
    """The oracle: the rule in force on ``today`` read from its table, the year asked computed here
    (the due day is ``annual_audit_due_days`` after 31 December and still in time), and the estates
    among ``estates`` with fund books, delivered by that year's 1 January, without an annual report
    whose period ends in it."""
    from fangguan.funds.models import Account, FundRule
    from fangguan.registry.models import Estate

    rule = FundRule.objects.filter(effective_from__lte=today).order_by("-effective_from").first()
    due = dt.date(today.year - 1, 12, 31) + dt.timedelta(days=rule.annual_audit_due_days)
    year = today.year - 1 if today > due else today.year - 2
    books = set(Account.objects.filter(kind="bank", estate_id__in=estates).values_list("estate_id", flat=True))
    audited = set(AuditReport.objects.filter(kind="annual", period_end__gte=dt.date(year, 1, 1),
                                             period_end__lte=dt.date(year, 12, 31)).values_list("estate_id", flat=True))
    return year, {pk for pk, delivered in Estate.objects.filter(pk__in=books - audited).values_list("pk", "delivered_on")
                  if delivered is None or delivered <= dt.date(year, 1, 1)}


def late_api(world, role) -> tuple[dict, set[int]]:
    """Every page of ``GET /api/v1/funds/audits/late`` (3 a page): the first page's body and all the ids."""
    c, ids, pages = client(world, role), [], []
    while not pages or len(pages) * 3 < pages[0]["count"]:
        r = c.get("/api/v1/funds/audits/late", limit=3, offset=len(pages) * 3)
        assert r.status_code == 200, r.content
        pages.append(r.json())
        ids += [item["id"] for item in pages[-1]["items"]]
        assert pages[-1]["count"] == pages[0]["count"] and len(pages[-1]["items"]) <= 3
    first = pages[0]
    assert len(ids) == len(set(ids)) == first["count"]
    return first, set(ids)


def test_the_late_audits_api_at_the_due_day_the_day_after_and_once_posted(world):
    import zoneinfo

    import time_machine

    from fangguan.registry.models import Estate

    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    everywhere = Estate.objects.values("pk")
    town = Estate.objects.filter(town=world.estate.town).values("pk")
    # the seeded rule: 120 days after 31 December 2025 is 30 April 2026
    for day, year in ((dt.date(2026, 4, 30), 2024), (dt.date(2026, 5, 1), 2025)):
        with time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, tzinfo=shanghai), tick=False):
            assert late_by_hand(everywhere, day)[0] == year
            for role, estates in (("bureau", everywhere), ("auditor", everywhere), ("town", town)):
                body, ids = late_api(world, role)
                assert (body["year"], ids) == late_by_hand(estates, day), (role, day)
                assert world.estate.pk in ids and body["due_on"] == f"{year + 1}-04-30"  # that year's not posted
                mine = next(i for i in client(world, role).get("/api/v1/funds/audits/late", limit=500).json()["items"]
                            if i["id"] == world.estate.pk)
                assert mine == {"id": world.estate.pk, "name": world.estate.name, "year": year,
                                "due_on": f"{year + 1}-04-30",
                                "town": {"id": world.estate.town_id, "name": world.estate.town.name}}
            assert world.estate.pk not in late_api(world, "other_town")[1]
            for role in ("committee", "bookkeeper", "neighbourhood", "company", "it", "ann"):
                assert client(world, role).get("/api/v1/funds/audits/late").status_code == 403, role
            assert client(world, None).get("/api/v1/funds/audits/late").status_code == 401
            # the year's annual audit posted: no longer late (on 1 May 2026 the 2024 report posted
            # on 30 April is there and does not count: 2025's is asked)
            post(world, "committee", period=(dt.date(year, 1, 1), dt.date(year, 12, 31)), on=dt.date(year + 1, 2, 1))
            body, ids = late_api(world, "bureau")
            assert world.estate.pk not in ids and (body["year"], ids) == late_by_hand(everywhere, day)
