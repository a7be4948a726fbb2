"""The full demo's fund history (``funds.demo.load(homes="full")``) reproduces the plan's
2016–2020 figures from its records — 18 estates whose fund had to be re-collected, 66 owners'
assemblies using proxy bookkeeping — recounted here with our own SQL, not with the demo's or the
services' code; and the demo estate's bank statements leave both matched and unmatched lines.

The session's database holds the sample demo (homes in a few estates); the full demo has homes in
every estate. So every other estate first gets one small building of four homes, and the funds
demo then runs exactly as ``load_demo --homes full`` runs it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from fangguan.funds import bank, demo
from fangguan.funds.models import Account
from fangguan.registry import models as rm

pytestmark = pytest.mark.django_db

START, END = dt.date(2016, 1, 1), dt.date(2020, 12, 31)


def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.fixture
def full_funds_demo():
    for estate in rm.Estate.objects.filter(buildings__isnull=True).order_by("pk"):
        area = rm.ManagementArea.objects.filter(estate=estate).order_by("pk").first()
        if area is None:
            continue
        building = rm.Building.objects.create(estate=estate, area=area, number="1号", floors=6, units=1)
        rm.Home.objects.bulk_create([rm.Home(building=building, unit="1", room_number=f"{f}0{r}", floor=f,
                                             area_m2=Decimal("61.50") + r) for f in (1, 2) for r in (1, 2)])
    return demo.load(homes="full")


# Each household's balance at the end of every day it moved (Σ of its entries up to that day;
# a household sub-account is credit-normal, so its balance is minus the sum), and the 30% line of
# the statute (Shanghai 2020 rules Art. 65) written out here rather than read from the parameters.
RUNNING = """
    WITH daily AS (
        SELECT e.account_id, e."on", SUM(e.amount_fen) AS moved
        FROM funds_entry e JOIN funds_account a ON a.id = e.account_id
        WHERE a.kind = 'home' GROUP BY e.account_id, e."on"),
    running AS (
        SELECT account_id, "on", -SUM(moved) OVER (PARTITION BY account_id ORDER BY "on") AS balance FROM daily)
    SELECT a.estate_id, MIN(r."on")
    FROM running r JOIN funds_account a ON a.id = r.account_id
    WHERE a.initial_fen > 0 AND r.balance * 10 < a.initial_fen * 3 AND r."on" BETWEEN %s AND %s
    GROUP BY a.estate_id
"""


def days(pairs) -> dict:
    """{estate: day} from (estate, day) rows — SQLite answers an aggregate's date as text."""
    return {e: d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for e, d in pairs}


def test_the_full_demo_reproduces_the_plans_2016_to_2020_figures_from_records(full_funds_demo):
    assert full_funds_demo["fund_estates"] > 250  # every estate of the demo has its ledger

    # 18 estates whose households' balances really fell below the line in 2016–2020 …
    fell = days(rows(RUNNING, [START, END]))
    assert len(fell) == 18
    assert days(rows(RUNNING, [dt.date(1990, 1, 1), dt.date(2100, 1, 1)])) == fell  # and none at any other time
    # … and the re-collection clock opened a case for each of them, on the day it happened
    cases = rows("SELECT estate_id, opened_on, status, closed_on FROM funds_recollection")
    assert {e: opened for e, opened, _s, _c in cases} == fell and len(cases) == 18
    # the owners were told, topped up to 50% and the cases closed; three estates are still overdue
    assert sorted(status for _e, _o, status, _c in cases) == ["closed"] * 15 + ["notified"] * 3
    still_below = {e for (e,) in rows("SELECT DISTINCT estate_id FROM funds_account "
                                      "WHERE kind = 'home' AND balance_fen * 10 < initial_fen * 3")}
    assert still_below == {e for e, _o, status, _c in cases if status == "notified"}
    # … within the assembly's 90 days and the owners' 90 days (Art. 65 ¶3)
    assert all(0 < (closed - opened).days <= 90 + 1 + 90 for _e, opened, status, closed in cases if status == "closed")

    # 66 owners' assemblies (one per estate) with a bookkeeping firm at some time in 2016–2020,
    # each assembly founded by the time it engaged the firm
    engaged = rows("""
        SELECT DISTINCT g.estate_id FROM funds_engagement g JOIN accounts_organisation o ON o.id = g.firm_id
        WHERE o.kind = 'bookkeeper' AND g.since <= %s AND (g.until IS NULL OR g.until >= %s)
          AND EXISTS (SELECT 1 FROM registry_ownerscommittee c JOIN registry_managementarea m ON m.id = c.area_id
                      WHERE m.estate_id = g.estate_id AND c.assembly_established_on <= g.since)""", [END, START])
    assert len(engaged) == 66
    assert rows("SELECT COUNT(*) FROM funds_engagement")[0][0] == 66


def test_the_demo_estates_bank_statements_reconcile_in_part(full_funds_demo):
    assert full_funds_demo["fund_bank_lines"] > 0
    estate = demo.demo_estate()
    matched = bank_only = ledger_only = 0
    for account in Account.objects.filter(estate=estate, kind__in=bank.BANK_KINDS):
        months = {f"{d:%Y-%m}" for (d,) in rows("SELECT \"on\" FROM funds_bankline WHERE account_id = %s", [account.pk])}
        for month in months:
            report = bank.reconcile(account, month)
            matched += len(report.matched)
            bank_only += len(report.bank_only)
            ledger_only += len(report.ledger_only)
    # the bank's lines: every entry since 2024 (one booked two days late) and a quarterly fee
    total = rows("SELECT COUNT(*) FROM funds_bankline b JOIN funds_account a ON a.id = b.account_id "
                 "WHERE a.estate_id = %s", [estate.pk])[0][0]
    assert total == full_funds_demo["fund_bank_lines"] == matched + bank_only
    assert matched > 0 and bank_only > ledger_only > 0
