"""The maintenance-fund ledger at city scale (issue 16): a sub-account for every home of a database
built by ``manage.py synth`` (13,000 estates ≈ 8 M homes), generated set-based in SQL, then the
funds bench's reads at that size, each beside its bare SQL.

    .venv/bin/python bench/funds_city.py --database-url postgres://postgres@127.0.0.1:5432/fg_city \\
        [--years 2] [--runs 20]

``bench/funds.py --synth N`` builds its accounts in Python, estate by estate (~160 accounts/s on
this machine: ~14 h for 8 M). Here the same rows are written by ``INSERT … SELECT`` from the
registry's homes, following the funds models' rules:

- per estate (``services.accounts_open``): its fund bank account, each management area's public
  revenue accounts (``revenue``, ``revenue_bank``), a sub-account per home with its building and
  the building's class (``services.building_class``: sold public housing multi-storey up to 6
  floors or high-rise, else commercial with or without a lift);
- the initial deposit (``services.initial_deposit`` / ``deposit_due``): the seller's and buyer's
  shares of cost price × exclusive area, each rounded half up, from the parameters in force on
  the day (the day being the delivery date, not before the earliest parameters, as
  ``funds.demo.delivered``); sold public housing's seller share is of the sale proceeds, not
  known here: 0. One posting per home (key ``deposit:<home>``): bank +total, home −total;
- ``--years`` yearly interest (as ``bench/funds.py``): each 21 December of the last N years after
  the deposit, one posting per estate, 1.5 % of each household's balance (floored to the fen),
  the bank debited with their sum;
- a repair charge for one home in 20 (``home id % 20 = 0``): three quarters of its balance, dated
  1 March of this year.

Balances (``initial_fen``, ``balance_fen``) are written from the same sums. Double entry holds by
construction and is checked afterwards by queries; the check constraints (``entry_not_zero``,
``fundaccount_home_has_home``) apply to every row; the unique indexes and foreign keys of the
fund tables are dropped for the load and built again from their own definitions
(``pg_get_indexdef`` / ``pg_get_constraintdef``) — a foreign key added back validates every row
in one pass. The month balances are then filled by ``funds.periods.rebuild()`` (what
``manage.py rebuild_fund_balances`` runs: one GROUP BY over the entries) and checked equal to the
entries' sums by an independent query.

A database whose fund tables hold rows already is not generated again (entries are append-only):
the checks and reads run on what is there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench"), str(ROOT)]

from dashboard import measure, pct  # noqa: E402  (same harness as the other benches)
from funds import bare, figures_sql, statement_sql  # noqa: E402  (the bare SQL bench/funds.py times too)

TABLES = ("funds_account", "funds_posting", "funds_entry")


def log(msg: str) -> None:
    print(msg, flush=True)


def timed(cursor, label: str, sql: str, params=None) -> None:
    t0 = time.perf_counter()
    cursor.execute(sql, params)
    rows = cursor.rowcount
    log(f"  {label}: {rows:,} rows in {time.perf_counter() - t0:.1f} s" if rows and rows > 0
        else f"  {label}: {time.perf_counter() - t0:.1f} s")


def drop_indexes(cursor) -> list[str]:
    """Secondary indexes, unique and foreign-key constraints of the fund tables (not the primary
    keys, not the check constraints); returns the statements that put them back."""
    drops, creates = [], []
    for table in TABLES:
        cursor.execute("""SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                          WHERE c.conrelid = %s::regclass AND c.contype IN ('f', 'u')""", [table])
        owned = set()
        for name, definition in cursor.fetchall():
            drops.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            creates.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            owned.add(name)
        cursor.execute("""SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                          WHERE x.indrelid = %s::regclass AND NOT x.indisprimary""", [table])
        for name, definition in cursor.fetchall():
            if name not in owned:
                drops.append(f'DROP INDEX "{name}"')
                creates.insert(0, definition)
    creates.sort(key=lambda sql: "FOREIGN KEY" in sql)  # indexes first; keys validate in one pass
    # funds_bankline refers to funds_account: its key goes and comes back too
    cursor.execute("""SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                      WHERE c.confrelid = 'funds_account'::regclass AND c.conrelid <> ALL(%s::regclass[])
                      AND c.contype = 'f'""", [list(TABLES)])
    for table, name, definition in cursor.fetchall():
        drops.insert(0, f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        creates.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    path = ROOT / "var" / "funds-city-restore.sql"
    path.parent.mkdir(exist_ok=True)
    path.write_text(";\n".join(creates) + ";\n")  # if the run dies, these put them back
    for sql in drops:
        cursor.execute(sql)
    return creates


def generate(years: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from fangguan.core.actors import system_actor
    from fangguan.funds import periods
    from fangguan.funds.demo import DEFAULT_DELIVERY

    system = system_actor().pk
    today = timezone.localdate()
    interest_days = [dt.date(y, 12, 21) for y in range(today.year - years, today.year)]
    charge_day = dt.date(today.year, 3, 1) if dt.date(today.year, 3, 1) <= today else dt.date(today.year - 1, 12, 28)
    report: dict = {"years": years, "interest_days": [str(d) for d in interest_days]}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(effective_from) FROM funds_fundrule")
        first = cursor.fetchone()[0]
        if first is None:
            raise SystemExit("no fund parameters (funds_fundrule) in this database")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET synchronous_commit = off")
        seq_account = "pg_get_serial_sequence('funds_account', 'id')"
        seq_posting = "pg_get_serial_sequence('funds_posting', 'id')"
        log("staging tables (unlogged): estates with their parameters, homes with their sums …")
        cursor.execute("DROP TABLE IF EXISTS fc_home, fc_estate, fc_interest")
        timed(cursor, "estates", f"""
            CREATE UNLOGGED TABLE fc_estate AS
            SELECT e.id AS estate_id, e.estate_type, x.day, nextval({seq_account}) AS bank_id, r.*
            FROM registry_estate e
            CROSS JOIN LATERAL (SELECT GREATEST(COALESCE(e.delivered_on, %s), %s::date) AS day) x
            CROSS JOIN LATERAL (SELECT f.cost_price_fen_per_m2 AS price, f.lift_seller_bp, f.lift_buyer_bp,
                                       f.no_lift_seller_bp, f.no_lift_buyer_bp, f.sold_public_buyer_bp
                                FROM funds_fundrule f WHERE f.effective_from <= x.day
                                ORDER BY f.effective_from DESC LIMIT 1) r""", [DEFAULT_DELIVERY, first])
        interest_cols, chain, prev = [], [], "dep.b0"
        for i, day in enumerate(interest_days, start=1):
            chain.append(f"CROSS JOIN LATERAL (SELECT CASE WHEN dep.b0 > 0 AND est.day < '{day}' "
                         f"THEN {prev} * 15 / 1000 ELSE 0 END AS s{i}) i{i}")
            interest_cols.append(f"i{i}.s{i}")
            prev = f"({prev} + i{i}.s{i})"
        before_charge = prev
        timed(cursor, "homes", f"""
            CREATE UNLOGGED TABLE fc_home AS
            SELECT h.id AS home_id, b.id AS building_id, b.area_id, est.estate_id, est.bank_id, est.day,
                   nextval({seq_account}) AS account_id, cls.klass,
                   CASE WHEN dep.b0 > 0 THEN nextval({seq_posting}) END AS deposit_posting,
                   dep.seller, dep.buyer, dep.b0 {''.join(', ' + c for c in interest_cols)},
                   CASE WHEN h.id %% 20 = 0 AND dep.b0 > 0 THEN {before_charge} * 3 / 4 ELSE 0 END AS charge,
                   {before_charge} AS before_charge
            FROM registry_home h
            JOIN registry_building b ON b.id = h.building_id
            JOIN fc_estate est ON est.estate_id = b.estate_id
            CROSS JOIN LATERAL (SELECT CASE WHEN est.estate_type = 'sold_public'
                                            THEN CASE WHEN b.floors > 6 THEN 'sold_public_high' ELSE 'sold_public_multi' END
                                            WHEN b.has_elevator THEN 'lift' ELSE 'no_lift' END AS klass) cls
            CROSS JOIN LATERAL (SELECT CASE cls.klass WHEN 'lift' THEN est.lift_seller_bp WHEN 'no_lift' THEN est.no_lift_seller_bp
                                            ELSE NULL END AS seller_bp,
                                       CASE cls.klass WHEN 'lift' THEN est.lift_buyer_bp WHEN 'no_lift' THEN est.no_lift_buyer_bp
                                            ELSE est.sold_public_buyer_bp END AS buyer_bp) bp
            CROSS JOIN LATERAL (SELECT s.seller, s.buyer,
                                       CASE WHEN est.day <= %s THEN s.seller + s.buyer ELSE 0 END AS b0
                                FROM (SELECT COALESCE(round(h.area_m2 * est.price * bp.seller_bp / 10000.0), 0)::bigint AS seller,
                                             round(h.area_m2 * est.price * bp.buyer_bp / 10000.0)::bigint AS buyer) s) dep
            {' '.join(chain)}""", [today])
        cursor.execute("ANALYZE fc_home")
        sum_interest = "".join(f" + SUM(h.s{i})" for i in range(1, years + 1))
        interest_union = " UNION ALL ".join(
            f"SELECT estate_id, {i} AS n, '{day}'::date AS day, SUM(s{i}) AS total FROM fc_home GROUP BY estate_id"
            for i, day in enumerate(interest_days, start=1)) or "SELECT 0, 0, NULL::date, 0::bigint WHERE false"
        timed(cursor, "interest postings (one per estate and year)", f"""
            CREATE UNLOGGED TABLE fc_interest AS
            SELECT estate_id, n, day, total, nextval({seq_posting}) AS posting_id
            FROM ({interest_union}) x WHERE total > 0""")
        cursor.execute("ALTER TABLE fc_home ADD COLUMN charge_posting bigint")
        timed(cursor, "charge postings' ids", f"UPDATE fc_home SET charge_posting = nextval({seq_posting}) WHERE charge > 0")
        log("dropping the fund tables' indexes and keys for the load (all in one transaction: a failure leaves nothing) …")
        atomic = transaction.atomic()
        atomic.__enter__()
        restore = drop_indexes(cursor)
        t_write = time.perf_counter()
        log("writing …")
        now = timezone.now()
        timed(cursor, "bank accounts", f"""
            INSERT INTO funds_account (id, created_at, updated_at, kind, building_class, opened_on, initial_fen,
                                       balance_fen, area_id, building_id, estate_id, home_id)
            SELECT e.bank_id, %s, %s, 'bank', '', e.day, 0, COALESCE(t.total, 0), NULL, NULL, e.estate_id, NULL
            FROM fc_estate e LEFT JOIN (SELECT h.estate_id, SUM(h.b0){sum_interest} - SUM(h.charge) AS total
                                        FROM fc_home h GROUP BY h.estate_id) t USING (estate_id)""", [now, now])
        timed(cursor, "public revenue accounts", """
            INSERT INTO funds_account (created_at, updated_at, kind, building_class, opened_on, initial_fen,
                                       balance_fen, area_id, building_id, estate_id, home_id)
            SELECT %s, %s, k.kind, '', e.day, 0, 0, a.id, NULL, a.estate_id, NULL
            FROM registry_managementarea a JOIN fc_estate e ON e.estate_id = a.estate_id
            CROSS JOIN (VALUES ('revenue'), ('revenue_bank')) k(kind)""", [now, now])
        timed(cursor, "household sub-accounts", """
            INSERT INTO funds_account (id, created_at, updated_at, kind, building_class, opened_on, initial_fen,
                                       balance_fen, area_id, building_id, estate_id, home_id)
            SELECT account_id, %s, %s, 'home', klass, day, b0, before_charge - charge, area_id, building_id,
                   estate_id, home_id
            FROM fc_home""", [now, now])
        timed(cursor, "deposit postings", """
            INSERT INTO funds_posting (id, key, kind, "on", memo, at, actor_id, application_id, estate_id, reverses_id)
            SELECT deposit_posting, 'deposit:' || home_id, 'deposit', day,
                   '首期维修资金：开发建设单位 ' || seller || ' 分，业主 ' || buyer || ' 分', %s, %s, NULL, estate_id, NULL
            FROM fc_home WHERE b0 > 0""", [now, system])
        timed(cursor, "interest postings", """
            INSERT INTO funds_posting (id, key, kind, "on", memo, at, actor_id, application_id, estate_id, reverses_id)
            SELECT posting_id, 'interest:' || estate_id || ':' || extract(year FROM day)::int, 'interest', day,
                   '维修资金利息', %s, %s, NULL, estate_id, NULL
            FROM fc_interest""", [now, system])
        timed(cursor, "charge postings", """
            INSERT INTO funds_posting (id, key, kind, "on", memo, at, actor_id, application_id, estate_id, reverses_id)
            SELECT charge_posting, 'repair:' || home_id, 'charge', %s, '维修费用分摊', %s, %s, NULL, estate_id, NULL
            FROM fc_home WHERE charge > 0""", [charge_day, now, system])
        timed(cursor, "deposit entries", """
            INSERT INTO funds_entry (amount_fen, "on", account_id, posting_id)
            SELECT x.amount, h.day, x.account, h.deposit_posting FROM fc_home h
            CROSS JOIN LATERAL (VALUES (h.bank_id, h.b0), (h.account_id, -h.b0)) x(account, amount)
            WHERE h.b0 > 0""")
        for i, day in enumerate(interest_days, start=1):
            timed(cursor, f"interest entries {day}", f"""
                INSERT INTO funds_entry (amount_fen, "on", account_id, posting_id)
                SELECT i.total, i.day, e.bank_id, i.posting_id FROM fc_interest i JOIN fc_estate e USING (estate_id)
                WHERE i.n = {i}
                UNION ALL
                SELECT -h.s{i}, i.day, h.account_id, i.posting_id FROM fc_home h
                JOIN fc_interest i ON i.estate_id = h.estate_id AND i.n = {i} WHERE h.s{i} > 0""")
        timed(cursor, "charge entries", """
            INSERT INTO funds_entry (amount_fen, "on", account_id, posting_id)
            SELECT x.amount, %s, x.account, h.charge_posting FROM fc_home h
            CROSS JOIN LATERAL (VALUES (h.account_id, h.charge), (h.bank_id, -h.charge)) x(account, amount)
            WHERE h.charge > 0""", [charge_day])
        report["write_s"] = round(time.perf_counter() - t_write, 1)
        log("indexes and keys back (each foreign key validates every row) …")
        t_idx = time.perf_counter()
        for sql in restore:
            t0 = time.perf_counter()
            cursor.execute(sql)
            log(f"  {sql[:110]} … {time.perf_counter() - t0:.1f} s")
        report["index_s"] = round(time.perf_counter() - t_idx, 1)
        atomic.__exit__(None, None, None)  # commit (an exception above rolls all of it back with the process)
        (ROOT / "var" / "funds-city-restore.sql").unlink(missing_ok=True)
        cursor.execute("DROP TABLE fc_home, fc_estate, fc_interest")
    log("month balances: funds.periods.rebuild() (what manage.py rebuild_fund_balances runs) …")
    t0 = time.perf_counter()
    report["cells"] = periods.rebuild()
    report["rebuild_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE funds_account; ANALYZE funds_posting; ANALYZE funds_entry; ANALYZE funds_monthbalance")
    report["analyze_s"] = round(time.perf_counter() - t0, 1)
    report["build_s"] = round(time.perf_counter() - started, 1)
    return report


CHECKS = {
    "postings whose entries do not sum to 0 or that have fewer than 2 entries":
        """SELECT COUNT(*) FROM funds_posting p LEFT JOIN (SELECT posting_id, SUM(amount_fen) AS s, COUNT(*) AS n
           FROM funds_entry GROUP BY posting_id) x ON x.posting_id = p.id WHERE x.s IS NULL OR x.s <> 0 OR x.n < 2""",
    "accounts whose balance ≠ sign × Σ entries":
        """SELECT COUNT(*) FROM funds_account a LEFT JOIN (SELECT account_id, SUM(amount_fen) AS s FROM funds_entry
           GROUP BY account_id) x ON x.account_id = a.id
           WHERE a.balance_fen <> CASE WHEN a.kind IN ('home', 'revenue') THEN -1 ELSE 1 END * COALESCE(x.s, 0)""",
    "home sub-accounts whose initial deposit ≠ its deposit entry":
        """SELECT COUNT(*) FROM funds_account a LEFT JOIN funds_posting p ON p.key = 'deposit:' || a.home_id
           LEFT JOIN funds_entry e ON e.posting_id = p.id AND e.account_id = a.id
           WHERE a.kind = 'home' AND a.initial_fen <> COALESCE(-e.amount_fen, 0)""",
    "homes without a sub-account": """SELECT COUNT(*) FROM registry_home h WHERE NOT EXISTS
           (SELECT 1 FROM funds_account a WHERE a.home_id = h.id AND a.kind = 'home')""",
    "month cells ≠ Σ entries (either side missing or any sum or count differing)":
        """SELECT COUNT(*) FROM (SELECT date_trunc('month', e."on")::date AS m, a.estate_id,
                  SUM(e.amount_fen) FILTER (WHERE a.kind = 'home') AS h, SUM(e.amount_fen) FILTER (WHERE a.kind = 'bank') AS b,
                  SUM(e.amount_fen) FILTER (WHERE a.kind = 'revenue') AS r,
                  SUM(e.amount_fen) FILTER (WHERE a.kind = 'revenue_bank') AS rb, COUNT(*) AS n
                  FROM funds_entry e JOIN funds_account a ON a.id = e.account_id GROUP BY 1, 2) x
           FULL JOIN funds_monthbalance c ON c.day = x.m AND c.estate_id = x.estate_id
           WHERE c.day IS NULL OR x.m IS NULL OR COALESCE(x.h, 0) <> c.home_fen OR COALESCE(x.b, 0) <> c.bank_fen
              OR COALESCE(x.r, 0) <> c.revenue_fen OR COALESCE(x.rb, 0) <> c.revenue_bank_fen OR x.n <> c.entries""",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a throwaway database built by manage.py synth")
    parser.add_argument("--years", type=int, default=2, help="yearly interest postings per estate")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--skip-checks", action="store_true")
    args = parser.parse_args()
    os.environ.update({"DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "fangguan.settings"})
    os.environ.setdefault("FANGGUAN_ENV", "test")
    os.environ.setdefault("FANGGUAN_VAR_DIR", str(ROOT / "var" / "citybench"))
    os.environ.setdefault("FANGGUAN_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from fangguan.accounts.choices import OrgKind, Role
    from fangguan.accounts.models import Membership, Organisation, User
    from fangguan.funds import selectors, services
    from fangguan.funds.demo import DEFAULT_DELIVERY
    from fangguan.funds.models import Account, Entry, FundRule
    from fangguan.registry.models import Estate

    log(f"# {platform.node()} · PostgreSQL {connection.pg_version} · load {os.getloadavg()}")
    if Account.objects.exists():
        log("# the fund tables hold rows already: not generated again")
    else:
        report = generate(args.years)
        log(f"# built: {report}")
    if not args.skip_checks:
        with connection.cursor() as cursor:
            for name, sql in CHECKS.items():
                t0 = time.perf_counter()
                cursor.execute(sql)
                log(f"check: {name}: {cursor.fetchone()[0]}  ({time.perf_counter() - t0:.1f} s)")
        # the SQL's deposits against the services' own rules, on a sample of households
        sample = list(Account.objects.filter(kind="home").select_related("home", "building", "estate")
                      .order_by("?")[:2000])
        wrong = 0
        for a in sample:
            day_ = max(a.estate.delivered_on or DEFAULT_DELIVERY, FundRule.objects.order_by("effective_from")
                       .values_list("effective_from", flat=True).first())
            due = sum(services.deposit_due(a, services.rule_on(day_))) if day_ <= timezone.localdate() else 0
            wrong += (a.initial_fen != due or a.opened_on != day_
                      or a.building_class != services.building_class(a.building, a.estate))
        log(f"check: of {len(sample)} households drawn at random, deposit, date or class ≠ funds.services': {wrong}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT kind, COUNT(*) FROM funds_account GROUP BY kind ORDER BY kind")
        kinds = dict(cursor.fetchall())
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'funds_entry'")
        entries = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM funds_monthbalance")
        cells = cursor.fetchone()[0]
    log(f"# accounts by kind {kinds}; entries ≈ {entries:,} (planner's estimate); month cells {cells:,}")

    user, _ = User.objects.get_or_create(username="bench", defaults={"display_name": "benchmark (district bureau)"})
    org = Organisation.objects.filter(kind=OrgKind.BUREAU).first() or Organisation.objects.create(
        name="区房管局 (benchmark)", kind=OrgKind.BUREAU)
    Membership.objects.get_or_create(user=user, organisation=org, role=Role.BUREAU_OFFICER)
    # a middle-sized estate, and a household in it with a charge (its statement has every kind)
    with_homes = Estate.objects.filter(pk__in=Account.objects.filter(kind="home").values("estate_id")).order_by("pk")
    estate = with_homes[min(100, with_homes.count() - 1)]
    account = (Account.objects.filter(estate=estate, kind="home", home_id__in=Entry.objects.filter(
        posting__kind="charge", account__estate=estate).values("account__home_id")).order_by("pk").first()
        or Account.objects.filter(estate=estate, kind="home").order_by("pk").first())
    day = timezone.localdate()
    start, end = dt.date(day.year - 1, 1, 1), dt.date(day.year - 1, 6, 30)
    log(f"# estate {estate.code} ({Account.objects.filter(estate=estate, kind='home').count()} households), "
        f"account {account.pk}, figures as of {day}")

    cases = [
        ("the figures by town (from the month balances)",
         lambda: selectors.fund_figures(user, group_by="town", as_of=day),
         bare(*figures_sql(day))),
        ("an owner's statement (the sub-account's entries)", lambda: selectors.entries_of(account),
         bare(('SELECT e.id, e."on", e.amount_fen, p.kind, p.memo, p.key FROM funds_entry e '
               'JOIN funds_posting p ON p.id = e.posting_id WHERE e.account_id = %s ORDER BY e."on", e.posting_id, e.id',
               [account.pk]))),
        ("one household's balance on a date", lambda: selectors.balance_on(account, end),
         bare(('SELECT SUM(amount_fen) FROM funds_entry WHERE account_id = %s AND "on" <= %s', [account.pk, end]))),
        ("an estate's half-year statement", lambda: services.statement_figures(estate, "fund", start, end),
         bare(*statement_sql(estate.pk, start, end))),
    ]
    log(f"{'measure':52} {'p50':>9} {'p95':>9} {'p99':>9}   bare SQL p50   ratio   (ms, {args.runs} runs; load {os.getloadavg()[0]:.2f})")
    for name, fn, baseline in cases:
        p50, p95, p99 = pct(measure(fn, args.runs))
        b50, _b95, _b99 = pct(measure(baseline, args.runs))
        log(f"{name:52} {p50:9.2f} {p95:9.2f} {p99:9.2f}   {b50:12.2f}   {p50 / b50:5.1f}×")
    log(f"# load at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
