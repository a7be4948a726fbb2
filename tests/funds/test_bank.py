"""Bank statements imported through the import machinery's reader and reconciled with the ledger,
at the boundaries: two equal payments on one day (and a third on the bank's side), the same
amount on another day, one fen off, a line in the next month; a statement imported twice adds
nothing; a bad row refuses the whole file; who may import and read — each refusal changing nothing.
The expected results are written by hand from the lines and postings below."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fangguan.core.actors import system_actor
from fangguan.core.models import ChangeLog
from fangguan.funds import bank, services
from fangguan.funds.models import BankLine, Entry

from .conftest import login
from .test_api import client

pytestmark = pytest.mark.django_db

HEADER = "交易日期,金额(元),流水号,摘要\n"
MARCH = [  # the bank's side
    ("2025-03-05", "100.00", "A1", "缴存"),
    ("2025-03-05", "100.00", "A2", "缴存"),
    ("2025-03-05", "100.00", "A3", "缴存"),  # a third 100.00 that day: the ledger has two
    ("2025-03-11", "200.00", "A4", "缴存"),  # the ledger has 200.00 on 03-10
    ("2025-03-12", "300.01", "A5", "缴存"),  # the ledger has 300.00: one fen off
    ("2025-03-20", "50.00", "A6", "缴存"),
    ("2025-04-01", "50.00", "A7", "缴存"),  # next month
]


def csv(lines, name="statement.csv", encoding="utf-8"):
    text = HEADER + "".join(",".join(line) + "\n" for line in lines)
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def ledger_side(world):
    """The ledger's side: top-ups into the estate's bank account (+ on the bank account)."""
    system = system_actor()
    plan = [("101", 10000, "2025-03-05"), ("102", 10000, "2025-03-05"), ("103", 20000, "2025-03-10"),
            ("201", 30000, "2025-03-12"), ("301", 5000, "2025-03-20"), ("302", 5000, "2025-04-01")]
    for i, (room, fen, day) in enumerate(plan):
        services.top_up(actor=system, account=world.account(room), amount_fen=fen, key=f"t{i}",
                        on=dt.date.fromisoformat(day))


def bank_entry(world, day, fen):
    return Entry.objects.get(account=world.bank, on=dt.date.fromisoformat(day), amount_fen=fen).pk


def test_reconciliation_at_the_boundaries(world):
    ledger_side(world)
    counts = bank.statement_import(actor=world.users["bureau"], account=world.bank, upload=csv(MARCH),
                                   filename="statement.csv")
    assert counts == {"created": 7, "unchanged": 0}
    r = bank.reconcile(world.bank, "2025-03")
    assert (r.start, r.end) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert sorted(line.reference for line, _e in r.matched) == ["A1", "A2", "A6"]
    assert all(line.on == e["on"] and line.amount_fen == e["amount_fen"] for line, e in r.matched)
    assert len({e["id"] for _line, e in r.matched}) == 3  # one entry per line
    assert [(line.reference, near) for line, near in r.bank_only] == [
        ("A3", []), ("A4", [bank_entry(world, "2025-03-10", 20000)]), ("A5", [])]
    assert [(e["on"].isoformat(), e["amount_fen"]) for e in r.ledger_only] == [("2025-03-10", 20000),
                                                                              ("2025-03-12", 30000)]
    assert r.bank_total_fen == 3 * 10000 + 20000 + 30001 + 5000 == 85001
    assert r.ledger_total_fen == 2 * 10000 + 20000 + 30000 + 5000 == 75000
    assert r.difference_fen == 10001 and not r.reconciled
    april = bank.reconcile(world.bank, "2025-04")
    assert [line.reference for line, _e in april.matched] == ["A7"] and april.reconciled
    assert april.difference_fen == 0
    empty = bank.reconcile(world.bank, "2024-12")
    assert empty.reconciled and empty.bank_total_fen == empty.ledger_total_fen == 0


def test_a_statement_imported_twice_adds_nothing_and_a_bad_row_refuses_the_file(world):
    bureau = world.users["bureau"]
    assert bank.statement_import(actor=bureau, account=world.bank, upload=csv(MARCH[:2]), filename="s.csv") == {
        "created": 2, "unchanged": 0}
    before = list(BankLine.objects.order_by("pk").values_list("pk", "on", "amount_fen", "reference"))
    logged = ChangeLog.objects.count()
    assert bank.statement_import(actor=bureau, account=world.bank, upload=csv(MARCH[:3], encoding="gbk"),
                                 filename="s.csv") == {"created": 1, "unchanged": 2}
    assert BankLine.objects.count() == 3 and ChangeLog.objects.count() == logged + 1
    before = list(BankLine.objects.order_by("pk").values_list("pk", "on", "amount_fen", "reference"))
    refused = [
        [("2025-03-06", "100.00", "A1", "x")],  # a known serial with another date
        [("2025-03-05", "100.01", "A1", "x")],  # … or another amount, by one fen
        [("2025-03-07", "1.00", "B1", ""), ("2025-03-07", "1.00", "B1", "")],  # a serial twice in the file
        [("2025-03-07", "1.005", "B2", "")],  # not to the fen
        [("2025-03-07", "0", "B3", "")],
        [("2025-03-07", "1e20", "B6", "")],  # beyond any statement (and the column)
        [("2025-03-07", "5.00", "B4", ""), ("2025-02-30", "5.00", "B5", "")],  # one bad row: nothing of the file
    ]
    for lines in refused:
        with pytest.raises(ValidationError):
            bank.statement_import(actor=bureau, account=world.bank, upload=csv(lines), filename="s.csv")
    with pytest.raises(ValidationError):
        bank.statement_import(actor=bureau, account=world.bank, upload=SimpleUploadedFile("s.txt", b"x"),
                              filename="s.txt")
    with pytest.raises(ValidationError):  # a household sub-account has no bank statement
        bank.statement_import(actor=bureau, account=world.account("101"), upload=csv(MARCH[:1]), filename="s.csv")
    assert list(BankLine.objects.order_by("pk").values_list("pk", "on", "amount_fen", "reference")) == before


def test_who_imports_and_who_reads(world):
    revenue_bank = world.revenue.__class__.objects.get(area=world.area, kind="revenue_bank")
    for role in ("committee", "bookkeeper", "town", "auditor", "ann", "company", "it"):
        with pytest.raises(PermissionDenied):  # the fund's bank account: the bureau's
            bank.statement_import(actor=world.users[role], account=world.bank, upload=csv(MARCH[:1]), filename="s.csv")
    for role in ("town", "auditor", "ann", "other_bookkeeper", "company"):
        with pytest.raises(PermissionDenied):  # public revenue: also its committee and bookkeeper
            bank.statement_import(actor=world.users[role], account=revenue_bank, upload=csv(MARCH[:1]),
                                  filename="s.csv")
    assert not BankLine.objects.exists()
    assert bank.statement_import(actor=world.users["bookkeeper"], account=revenue_bank, upload=csv(MARCH[:1]),
                                 filename="s.csv")["created"] == 1
    # through the API: the bank accounts the caller cannot see are 404, like missing ones
    url = "/api/v1/funds/reconciliation"
    expected = {"bureau": 200, "auditor": 200, "town": 200, "committee": 200, "bookkeeper": 200, "other_town": 404,
                "other_bookkeeper": 404, "neighbourhood": 404, "company": 404, "it": 404, "ann": 404}
    for role, status in expected.items():
        r = client(world, role).get(url, account=world.bank.pk, month="2025-03")
        assert r.status_code == status, role
    assert client(world, None).get(url, account=world.bank.pk, month="2025-03").status_code == 401
    assert client(world, "bureau").get(url, account=world.bank.pk, month="2025-13").status_code == 422
    before = BankLine.objects.count()
    # importing: an account the caller cannot see is named in the body, so bad input (422, in
    # Chinese, on the field) as in the registry and supervision; one they see but may not import, 403
    for role, status in {"committee": 403, "town": 403, "ann": 422, "company": 422, None: 401}.items():
        c = client(world, role)
        r = c.client.post("/api/v1/funds/bank-statements", {"account": world.bank.pk, "file": csv(MARCH[:1])},
                          **c.headers)
        assert r.status_code == status, role
        if status == 422:
            assert r.json()["errors"]["account"] == [f"记录不存在：{world.bank.pk}。"], r.content
    c = client(world, "bureau")
    r = c.client.post("/api/v1/funds/bank-statements", {"account": 2**62, "file": csv(MARCH[:1])}, **c.headers)
    assert r.status_code == 422 and "account" in r.json()["errors"]  # none such: the same answer
    assert BankLine.objects.count() == before
    c = client(world, "bureau")
    r = c.client.post("/api/v1/funds/bank-statements", {"account": world.bank.pk, "file": csv(MARCH)}, **c.headers)
    assert r.status_code == 201 and r.json() == {"account": world.bank.pk, "created": 7, "unchanged": 0}
    body = c.get(url, account=world.bank.pk, month="2025-03").json()
    assert body["bank_total_fen"] == 85001 and body["ledger_total_fen"] == 0 and not body["reconciled"]
    assert len(body["bank_only"]) == 6 and body["matched"] == [] and body["ledger_only"] == []


def test_the_page_imports_and_shows_the_month(world):
    ledger_side(world)
    page = login(world.users["bureau"])
    r = page.post("/funds/reconciliation/", {"account": world.bank.pk, "file": csv(MARCH)})
    assert r.status_code == 302 and BankLine.objects.count() == 7
    r = page.get("/funds/reconciliation/", {"account": world.bank.pk, "month": "2025-03"})
    html = r.content.decode()
    assert r.status_code == 200 and "<td>A3</td>" in html and "850.01" in html and "750.00" in html
    # without a month: the latest month the bank's statement reaches (April, A7), not this month
    html = page.get("/funds/reconciliation/", {"account": world.bank.pk}).content.decode()
    assert 'value="2025-04"' in html and "<td>A7</td>" in html and "<td>A3</td>" not in html
    refused = login(world.users["committee"])
    r = refused.post("/funds/reconciliation/", {"account": world.bank.pk, "file": csv([("2025-05-01", "1.00", "Z", "")])})
    assert r.status_code == 302 and BankLine.objects.count() == 7
    other = login(world.users["other_town"]).get("/funds/reconciliation/", {"account": world.bank.pk, "month": "2025-03"})
    assert other.status_code == 200 and "<td>A3</td>" not in other.content.decode()
