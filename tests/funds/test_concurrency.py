"""Twenty writers posting at the same moment into overlapping accounts, on PostgreSQL — and five
of them replaying a key another is posting: nothing is lost, nothing doubled, no deadlock, and
every balance equals the sum of its entries. Runs on fresh connections (committed rows); the rows
are removed afterwards."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, connections

from tests.kit.threads import in_thread

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks under real concurrency: "
                                 "PostgreSQL (SQLite serialises every writer)")]

WRITERS = 20
HOMES = 6
CODE = "FD-CONC"




def build():
    from fangguan.core.actors import system_actor
    from fangguan.funds import services
    from fangguan.funds.models import Account
    from fangguan.registry import models as rm

    town = rm.Town.objects.order_by("pk").first()
    estate = rm.Estate.objects.create(code=CODE, name="并发记账小区", town=town, estate_type="commercial",
                                      floor_area_m2=Decimal("600.00"), delivered_on=dt.date(2015, 1, 1))
    area = rm.ManagementArea.objects.create(estate=estate, code=f"{CODE}-A", name="并发记账小区")
    building = rm.Building.objects.create(estate=estate, area=area, number="1", floors=10, has_elevator=True)
    for i in range(HOMES):
        rm.Home.objects.create(building=building, room_number=f"{i + 1:03d}", floor=1, area_m2=Decimal("100.00"))
    system = system_actor()
    services.accounts_open(actor=system, estate=estate)
    homes = list(Account.objects.filter(estate=estate, kind="home").order_by("pk").values_list("pk", flat=True))
    for pk in homes:
        services.initial_deposit(actor=system, account=Account.objects.get(pk=pk))
    return estate.pk, homes


def write(i, homes, barrier):
    from fangguan.core.actors import system_actor
    from fangguan.funds import ledger, services

    close_old_connections()
    system = system_actor()
    from fangguan.funds.models import Account

    bank = services.bank_of(Account.objects.get(pk=homes[0]).estate_id)
    # three homes each, in a different order per writer: the ledger locks them by id
    j = i % (WRITERS - 5)  # writers 15–19 replay the postings of 0–4 (same key, same entries)
    mine = [homes[(j + k) % HOMES] for k in ((2, 0, 1) if i % 2 else (0, 1, 2))]
    key = f"conc-{j}"
    entries = [(bank.pk, 300)] + [(pk, -100) for pk in mine]
    barrier.wait()
    return ledger.post(actor=system, key=key, kind="top_up", entries=entries).pk


def check(estate_id):
    from django.db.models import Sum

    from fangguan.funds.models import Account, Entry, Posting

    wrong = []
    for account in Account.objects.filter(estate_id=estate_id):
        total = Entry.objects.filter(account=account).aggregate(s=Sum("amount_fen"))["s"] or 0
        if account.balance_fen != account.sign * total:
            wrong.append(account.pk)
    return wrong, Posting.objects.filter(estate_id=estate_id, key__startswith="conc-").count(), \
        Account.objects.get(estate_id=estate_id, kind="bank").balance_fen


def cleanup(estate_id):
    from fangguan.core.triggers import create_append_only, drop_append_only
    from fangguan.funds.models import Account, Entry, MonthBalance, Posting
    from fangguan.registry import models as rm

    tables = ("funds_posting", "funds_entry")
    for table in tables:
        drop_append_only(connection, table)
    try:
        Entry.objects.filter(posting__estate_id=estate_id).delete()
        Posting.objects.filter(estate_id=estate_id).delete()
    finally:
        for table in tables:
            create_append_only(connection, table)
    MonthBalance.objects.filter(estate_id=estate_id).delete()  # the month cells of those entries
    Account.objects.filter(estate_id=estate_id).delete()
    rm.Home.objects.filter(building__estate_id=estate_id).delete()
    rm.Building.objects.filter(estate_id=estate_id).delete()
    rm.ManagementArea.objects.filter(estate_id=estate_id).delete()
    rm.Estate.objects.filter(pk=estate_id).delete()


def test_twenty_writers_into_overlapping_accounts_lose_nothing():
    estate_id, homes = in_thread(build)
    try:
        _wrong, _n, bank_before = in_thread(check, estate_id)
        barrier = threading.Barrier(WRITERS)
        results: dict = {}
        errors: list = []

        def run(i):
            try:
                results[i] = write(i, homes, barrier)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for i in range(WRITERS - 5, WRITERS):  # a replay returns the first posting
            assert results[i] == results[i - (WRITERS - 5)]
        wrong, count, bank_after = in_thread(check, estate_id)
        assert wrong == []
        assert count == WRITERS - 5
        assert bank_after - bank_before == 300 * (WRITERS - 5)
    finally:
        in_thread(cleanup, estate_id)
