"""Benchmark of the maintenance-fund ledger (issue 16) on PostgreSQL: one household's balance on a
date, an estate's half-year statement, the re-collection scan, the figures by town — each beside
its bare SQL — and postings per second with 20 writers into overlapping accounts.

    .venv/bin/python bench/funds.py [--synth 20000] [--years 10] [--runs 20] [--writers 20]
        [--database-url postgres://postgres@127.0.0.1:5432/fg_funds_bench]

The database is dropped and created again, migrated and loaded with the Jinshan demo (sample
homes); ``--synth`` household accounts are added in bulk in estates of 1,000 homes spread over the
towns, each with its initial deposit and ``--years`` yearly interest entries (the rows
``ledger.post`` writes; balances set from them). Prints p50/p95/p99 in ms and each p50's ratio to
its bare SQL's p50. The figures by town are measured twice: the full pass over the entries
(``selectors.fund_figures_full``, as before issue 16's period balances) and from the stored month
balances (``selectors.fund_figures``), rebuilt once after the bulk load. (The half-year
statement's before/after of issue 16 was measured with the old function kept here for that run:
see docs/performance.md.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench"), str(ROOT)]

from dashboard import measure, pct  # noqa: E402  (same harness as the dashboard's)
from repairs import database, recreate, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fg_funds_bench"
PER_ESTATE = 1000


def synth(n: int, years: int, rng: random.Random) -> None:
    from django.db.models import Sum

    from fangguan.core.actors import system_actor
    from fangguan.funds import services
    from fangguan.funds.models import Account, Entry, Posting
    from fangguan.registry import models as rm

    system = system_actor()
    towns = list(rm.Town.objects.order_by("pk"))
    now = dt.datetime.now(dt.UTC)
    for e in range(max(1, n // PER_ESTATE)):
        town = towns[e % len(towns)]
        estate = rm.Estate.objects.create(code=f"SYN-FD-{e:05d}", name=f"资金基准小区{e}", town=town,
                                          estate_type="commercial", floor_area_m2=Decimal(PER_ESTATE * 90),
                                          delivered_on=dt.date(2014, 1, 1))
        area = rm.ManagementArea.objects.create(estate=estate, code=f"SYN-FD-{e:05d}-A", name=estate.name)
        buildings = rm.Building.objects.bulk_create([
            rm.Building(estate=estate, area=area, number=str(b + 1), floors=18, has_elevator=True)
            for b in range(PER_ESTATE // 100)])
        rm.Home.objects.bulk_create([
            rm.Home(building=buildings[h // 100], unit="1", room_number=f"{h % 100 + 1:03d}", floor=1 + h % 18,
                    area_m2=Decimal(rng.randint(5000, 14000)) / 100) for h in range(PER_ESTATE)])
        services.accounts_open(actor=system, estate=estate, on=dt.date(2014, 1, 1))
        rule = services.rule_on(dt.date(2014, 1, 1))
        bank = services.bank_of(estate.pk)
        homes = list(Account.objects.filter(estate=estate, kind="home").select_related("home"))
        deposits = Posting.objects.bulk_create([
            Posting(key=f"deposit:{a.home_id}", kind="deposit", estate=estate, on=dt.date(2014, 1, 1), actor=system,
                    at=now) for a in homes])
        entries, balance = [], {}
        for p, a in zip(deposits, homes, strict=True):
            total = sum(services.deposit_due(a, rule))
            a.initial_fen = total
            balance[a.pk] = total
            entries += [Entry(posting=p, account=bank, amount_fen=total, on=p.on),
                        Entry(posting=p, account=a, amount_fen=-total, on=p.on)]
        for y in range(years):
            day = dt.date(2015 + y, 12, 21)
            p = Posting.objects.create(key=f"interest:{estate.pk}:{day.year}", kind="interest", estate=estate, on=day,
                                       actor=system, at=now)
            shares = {a.pk: balance[a.pk] * 15 // 1000 for a in homes}
            # a few repairs draw some households down (the re-collection scan has something to find)
            entries.append(Entry(posting=p, account=bank, amount_fen=sum(shares.values()), on=day))
            for a in homes:
                entries.append(Entry(posting=p, account=a, amount_fen=-shares[a.pk], on=day))
                balance[a.pk] += shares[a.pk]
        for a in rng.sample(homes, PER_ESTATE // 20):
            p = Posting.objects.create(key=f"repair:{a.pk}", kind="charge", estate=estate, on=dt.date(2024, 6, 1),
                                       actor=system, at=now)
            charge = balance[a.pk] * 3 // 4
            entries += [Entry(posting=p, account=a, amount_fen=charge, on=p.on),
                        Entry(posting=p, account=bank, amount_fen=-charge, on=p.on)]
            balance[a.pk] -= charge
        Entry.objects.bulk_create(entries, batch_size=5000)
        for a in homes:
            a.balance_fen = balance[a.pk]
        Account.objects.bulk_update(homes, ["initial_fen", "balance_fen"], batch_size=5000)
        bank.balance_fen = Entry.objects.filter(account=bank).aggregate(s=Sum("amount_fen"))["s"]
        bank.save(update_fields=["balance_fen"])


def bare(*queries):
    """A timed function running the bare SQL ``queries`` — (sql, params) pairs — one after
    another, as the service runs its statements (shared with ``bench/funds_city.py``)."""
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            for query, params in queries:
                cursor.execute(query, params)
                cursor.fetchall()
    return run


def statement_sql(estate_id: int, start: dt.date, end: dt.date) -> list[tuple[str, list]]:
    """The bare SQL of an estate's half-year statement (``services.statement_figures``'s five reads)."""
    return [
        ('SELECT SUM(e.amount_fen) FROM funds_entry e JOIN funds_account a ON a.id = e.account_id '
         'WHERE a.estate_id = %s AND a.kind = \'home\' AND e."on" < %s', [estate_id, start]),
        ('SELECT p.kind, SUM(e.amount_fen) FROM funds_entry e JOIN funds_account a ON a.id = e.account_id '
         'JOIN funds_posting p ON p.id = e.posting_id WHERE a.estate_id = %s AND a.kind = \'home\' '
         'AND e."on" BETWEEN %s AND %s GROUP BY p.kind', [estate_id, start, end]),
        ('SELECT a.home_id, SUM(e.amount_fen) FROM funds_entry e JOIN funds_account a ON a.id = e.account_id '
         'WHERE a.estate_id = %s AND a.kind = \'home\' AND e."on" <= %s GROUP BY a.home_id', [estate_id, end]),
        ('SELECT s.home_id, p.name FROM registry_homeshare s JOIN registry_person p ON p.id = s.person_id '
         'JOIN registry_home h ON h.id = s.home_id JOIN registry_building b ON b.id = h.building_id '
         'WHERE b.estate_id = %s', [estate_id]),
        ('SELECT a.home_id, b.number, h.room_number FROM funds_account a JOIN registry_home h ON h.id = a.home_id '
         'JOIN registry_building b ON b.id = a.building_id WHERE a.estate_id = %s AND a.kind = \'home\' '
         'ORDER BY b.number, h.unit, h.room_number', [estate_id]),
    ]


def figures_sql(day: dt.date) -> list[tuple[str, list]]:
    """The bare SQL of the figures by town from the month balances: the months before ``day``'s
    month, then that month's entries."""
    first = day.replace(day=1)
    return [
        ('SELECT r.town_id, SUM(m.home_fen), SUM(m.revenue_fen) FROM funds_monthbalance m '
         'JOIN registry_estate r ON r.id = m.estate_id WHERE m.day < %s GROUP BY r.town_id', [first]),
        ('SELECT r.town_id, a.kind, SUM(e.amount_fen) FROM funds_entry e JOIN funds_account a '
         'ON a.id = e.account_id JOIN registry_estate r ON r.id = a.estate_id '
         'WHERE a.kind IN (\'home\', \'revenue\') AND e."on" BETWEEN %s AND %s GROUP BY r.town_id, a.kind',
         [first, day]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synth", type=int, default=20000, help="household accounts")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--postings", type=int, default=50, help="postings per writer")
    parser.add_argument("--database-url", nargs="?", const=DEFAULT_URL)
    args = parser.parse_args()
    url, pg = database(args.database_url or DEFAULT_URL)
    if not pg:
        sys.exit("this bench runs on PostgreSQL (--database-url)")
    recreate(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection, connections

    from fangguan.accounts.models import User
    from fangguan.core.actors import system_actor
    from fangguan.core.db import analyze
    from fangguan.demo import load_all
    from fangguan.funds import ledger, selectors, services
    from fangguan.funds.models import Account, Entry, Posting
    from fangguan.registry.models import Estate

    call_command("migrate", verbosity=0)
    load_all(homes="sample")
    rng = random.Random(16)
    started = time.perf_counter()
    synth(args.synth, args.years, rng)
    built = time.perf_counter() - started
    from fangguan.funds import periods

    t0 = time.perf_counter()
    cells = periods.rebuild()  # the synthetic entries were written in bulk, past ledger.post
    rebuilt = time.perf_counter() - t0
    analyze()
    print(f"# stored month balances rebuilt: {cells:,} cells in {rebuilt:.1f} s")
    homes = Account.objects.filter(kind="home", estate__code__startswith="SYN-FD").count()
    entries = Entry.objects.count()
    print(f"# {platform.node()} · PostgreSQL {connection.pg_version} · {homes:,} household accounts, "
          f"{entries:,} entries (built in {built:.0f} s)")
    account = Account.objects.filter(kind="home", estate__code="SYN-FD-00000").order_by("pk")[PER_ESTATE // 2]
    day = dt.date(2020, 6, 30)
    estate = Estate.objects.get(code="SYN-FD-00000")
    bureau = User.objects.get(username="admin")
    start, end = dt.date(2024, 1, 1), dt.date(2024, 6, 30)

    after = services.statement_figures(estate, "fund", start, end)
    assert len(after["households"]) == PER_ESTATE
    bp = selectors.line_bp()
    cases = [
        ("one household's balance on a date", lambda: selectors.balance_on(account, day),
         bare(('SELECT SUM(amount_fen) FROM funds_entry WHERE account_id = %s AND "on" <= %s', [account.pk, day]))),
        ("an estate's half-year statement",
         lambda: services.statement_figures(estate, "fund", start, end), bare(*statement_sql(estate.pk, start, end))),
        ("the re-collection scan (households below the line)",
         lambda: list(selectors.with_line(Account.objects.filter(kind="home"), bp).filter(selectors.below_q(bp))
                      .values("estate_id").annotate(n=selectors.models_count("pk"))),
         bare(("SELECT estate_id, COUNT(*) FROM funds_account WHERE kind = 'home' AND initial_fen > 0 "
               "AND balance_fen * 10000 < initial_fen * %s GROUP BY estate_id", [bp]))),
        ("the figures by town, full pass (before)",
         lambda: selectors.fund_figures_full(bureau, group_by="town", as_of=day),
         bare(('SELECT r.town_id, a.kind, SUM(e.amount_fen) FROM funds_entry e JOIN funds_account a ON a.id = e.account_id '
               'JOIN registry_estate r ON r.id = a.estate_id WHERE a.kind IN (\'home\', \'revenue\') AND e."on" <= %s '
               'GROUP BY r.town_id, a.kind', [day]))),
        ("the figures by town, from the month balances",
         lambda: selectors.fund_figures(bureau, group_by="town", as_of=day),
         bare(*figures_sql(day))),
    ]
    print(f"{'measure':52} {'p50':>9} {'p95':>9} {'p99':>9}   bare SQL p50   ratio")
    for name, fn, baseline in cases:
        fn()
        baseline()
        p50, p95, p99 = pct(measure(fn, args.runs))
        b50, _b95, _b99 = pct(measure(baseline, args.runs))
        print(f"{name:52} {p50:9.2f} {p95:9.2f} {p99:9.2f}   {b50:12.2f}   {p50 / b50:5.1f}×")

    # 20 writers posting top-ups into overlapping accounts of one estate
    pool = list(Account.objects.filter(estate=estate, kind="home").order_by("pk").values_list("pk", flat=True)[:40])
    bank = services.bank_of(estate.pk).pk
    system = system_actor()
    before = Posting.objects.count()
    barrier = threading.Barrier(args.writers)
    errors: list = []

    def write(i):
        try:
            r = random.Random(i)
            barrier.wait()
            for j in range(args.postings):
                homes_ = r.sample(pool, 3)
                ledger.post(actor=system, key=f"bench:{i}:{j}", kind="top_up",
                            entries=[(bank, 300)] + [(h, -100) for h in homes_])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(args.writers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    made = Posting.objects.count() - before
    wrong = [a.pk for a in Account.objects.filter(pk__in=pool + [bank])
             if a.balance_fen != a.sign * sum(Entry.objects.filter(account=a).values_list("amount_fen", flat=True))]
    with connection.cursor() as cursor:  # the stored month balances of the estate against its entries
        cursor.execute('SELECT COUNT(*) FROM (SELECT date_trunc(\'month\', e."on")::date AS m, '
                       'SUM(e.amount_fen) FILTER (WHERE a.kind = \'home\') AS h, '
                       'SUM(e.amount_fen) FILTER (WHERE a.kind = \'bank\') AS b, COUNT(*) AS n '
                       'FROM funds_entry e JOIN funds_account a ON a.id = e.account_id WHERE a.estate_id = %s '
                       'GROUP BY 1) x FULL JOIN (SELECT day, home_fen, bank_fen, entries FROM funds_monthbalance '
                       'WHERE estate_id = %s) c ON c.day = x.m WHERE c.day IS NULL OR x.m IS NULL '
                       'OR COALESCE(x.h, 0) <> c.home_fen OR COALESCE(x.b, 0) <> c.bank_fen OR x.n <> c.entries',
                       [estate.pk, estate.pk])
        months_wrong = cursor.fetchone()[0]
    print(f"{args.writers} writers × {args.postings} postings into {len(pool)} shared accounts: {made} postings in "
          f"{elapsed:.2f} s = {made / elapsed:.0f} postings/s; errors {len(errors)}; balances ≠ Σ entries: {len(wrong)}; "
          f"month balances ≠ Σ entries: {months_wrong}")


if __name__ == "__main__":
    main()
