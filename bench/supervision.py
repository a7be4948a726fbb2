"""Benchmark of supervising property companies (issue 17) on PostgreSQL, at a size given as a
parameter: one company's credit file, the yearly evaluation of all companies in a town and in
the whole district, the pool's nightly check — each beside its bare SQL — and the number of
queries the district's evaluation issues (a fixed number, never one per company).

    .venv/bin/python bench/supervision.py [--estates 13000] [--years 5] [--requests 200000] [--runs 10]
        [--database-url postgres://postgres@127.0.0.1:5432/fg_supervision_bench] [--keep] [--json out.json]

The database is dropped and created again, migrated and loaded with the Jinshan demo (sample
homes); then ``--estates`` estates are added in towns of ~60 (Shanghai's proportions: 13,000
estates, one company per ~4 estates), each with one management area, one building of
``--homes`` homes and a contract with its company, and, over ``--years`` years up to last
December: a monthly town inspection of every estate and ~3 % district spot checks (their
pass/fail counts; the checklist rows themselves are not written — no measured read touches
them), breaches on ~2 % of inspections (some corrected), complaints (~2 per estate a year, some
upheld), one satisfaction survey per estate a year, and a pool of 300 admitted companies. Rows are
written with COPY, secondary indexes dropped while loading and built again after. The repair part
of the evaluation reads ``--requests`` repair requests written by ``bench/repairs.py``'s loader
over every estate (the issue's 20 million is out of reach on the shared machine: see
docs/performance.md). ``--keep`` reuses a database already loaded; ``--template NAME`` copies a
database already migrated and loaded with the sample demo instead of loading it again.

Prints p50/p95/p99 in ms and each p50's ratio to its bare SQL's p50.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench"), str(ROOT)]

from dashboard import measure, pct  # noqa: E402  (same harness as the dashboard's)
from repairs import Writer, database, generate, recreate, secondary_indexes, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fg_supervision_bench"
ESTATES_PER_TOWN = 60
ESTATES_PER_COMPANY = 4
POOL = 300


def _row(model, now, **values) -> dict:
    """A full row of ``model``: the given values, every other column its field's default
    (COPY does not apply Django's defaults), the record times ``now``."""
    row = {}
    for f in model._meta.concrete_fields:
        if f.column in values or f.name in values:
            row[f.column] = values.get(f.column, values.get(f.name))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            row[f.column] = now
        elif f.has_default():
            value = f.get_default()
            row[f.column] = json.dumps(value) if isinstance(value, dict | list) else value
        else:
            row[f.column] = None
    return row


def synth(estates: int, years: int, homes: int, rng: random.Random, pg: bool) -> dict[str, int]:
    from django.db import connection

    from fangguan.accounts.models import User
    from fangguan.registry import models as rm
    from fangguan.registry.synth import credit_code_for
    from fangguan.supervision.models import (
        Breach,
        Complaint,
        Inspection,
        PoolEntry,
        Standard,
        Survey,
        Template,
    )

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    last_year = dt.date.today().year - 1
    first_year = last_year - years + 1
    standard = Standard.objects.order_by("effective_from").first()
    templates = {t.kind: t for t in Template.objects.order_by("version")}
    bureau = User.objects.get(username="admin")
    inspector = bureau.pk

    n_towns = max(1, estates // ESTATES_PER_TOWN)
    towns = rm.Town.objects.bulk_create([rm.Town(code=f"SYNSV{t:04d}", name=f"监管基准镇{t}", sort_order=1000 + t)
                                         for t in range(n_towns)])
    n_companies = max(2, estates // ESTATES_PER_COMPANY)
    companies = rm.Company.objects.bulk_create([
        rm.Company(name=f"监管基准物业{c}", credit_code=credit_code_for(900_000 + c), filed_on=dt.date(2015, 1, 1))
        for c in range(n_companies)], batch_size=5000)
    quality = {c.pk: rng.betavariate(8, 2) for c in companies}
    made = rm.Estate.objects.bulk_create([
        rm.Estate(code=f"SYNSV-{e:05d}", name=f"监管基准小区{e}", town=towns[e % n_towns], estate_type="commercial",
                  floor_area_m2=Decimal(homes * 90), delivered_on=dt.date(2010, 1, 1)) for e in range(estates)],
        batch_size=5000)
    areas = rm.ManagementArea.objects.bulk_create([
        rm.ManagementArea(estate=e, code=f"{e.code}-A", name=e.name) for e in made], batch_size=5000)
    company_of = {e.pk: companies[i // ESTATES_PER_COMPANY % n_companies].pk for i, e in enumerate(made)}
    rm.Contract.objects.bulk_create([
        rm.Contract(area=a, company_id=company_of[a.estate_id], kind="formal", start_on=dt.date(2015, 1, 1))
        for a in areas], batch_size=5000)
    buildings = rm.Building.objects.bulk_create([
        rm.Building(estate_id=a.estate_id, area=a, number="1", floors=18) for a in areas], batch_size=5000)

    writers = {m: Writer(m, pg) for m in (rm.Home, Inspection, Breach, Complaint, Survey)}
    tables = [m._meta.db_table for m in writers]
    indexes = secondary_indexes(tables) if pg else []
    ids = {}
    with connection.cursor() as cursor:
        for m in writers:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {m._meta.db_table}")  # noqa: S608
            ids[m] = cursor.fetchone()[0]
        if pg:
            cursor.execute("SET session_replication_role = replica")
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')

    def add(model, **values):
        ids[model] += 1
        writers[model].add(_row(model, now, id=ids[model], **values))
        return ids[model]

    for b in buildings:
        for h in range(homes):
            add(rm.Home, building_id=b.pk, unit="1", room_number=f"{h + 101}", floor=1 + h // 8, area_m2="80.00",
                property_unit_number="")
    items = {k: len(t.items) for k, t in templates.items()}
    for e in made:
        cid = company_of[e.pk]
        q = quality[cid]
        for year in range(first_year, last_year + 1):
            for month in range(1, 13):
                for kind, chance in (("town_monthly", 1.0), ("district_spot", 0.03)):
                    if rng.random() >= chance:
                        continue
                    day = dt.date(year, month, rng.randrange(1, 28))
                    failed = sum(1 for _ in range(items[kind]) if rng.random() > q ** 0.35)
                    insp = add(Inspection, estate_id=e.pk, company_id=cid, template_id=templates[kind].pk, kind=kind,
                               status="closed", inspected_on=day, inspector_id=inspector, summary="",
                               passed=items[kind] - failed, failed=failed,
                               submitted_at=dt.datetime.combine(day, dt.time(8)),
                               closed_at=dt.datetime.combine(day + dt.timedelta(days=14), dt.time(8)))
                    if failed and rng.random() < 0.02:
                        severity = rng.choices(["minor", "more_serious", "especially_serious"], [70, 28, 2])[0]
                        months = 1 if severity == "minor" else 3
                        corrected = (day + dt.timedelta(days=31 * months + 5)
                                     if severity != "especially_serious" and rng.random() < 0.4 else None)
                        add(Breach, company_id=cid, estate_id=e.pk, severity=severity,
                            points=standard.points(severity), rule="基准", description="", occurred_on=day,
                            status="corrected" if corrected else "recorded", standard_id=standard.pk,
                            inspection_id=insp, recorded_by_id=bureau.pk, dispute_reason="", corrected_on=corrected,
                            published_until=dt.date(day.year + 1, day.month, min(day.day, 28)))
            for _k in range(rng.randrange(0, 3 + int(4 * (1 - q)))):
                filed = dt.datetime(year, 1, 1, 2) + dt.timedelta(days=rng.randrange(0, 360))
                upheld = rng.random() > q
                add(Complaint, estate_id=e.pk, company_id=cid, channel="web", description="基准",
                    status="upheld" if upheld else "dismissed", filed_at=filed,
                    response_due_at=filed + dt.timedelta(days=1), complete_due_at=filed + dt.timedelta(days=7),
                    reply="", decision="", decided_at=filed + dt.timedelta(days=6))
            responded = int(homes * rng.uniform(0.35, 0.8))
            add(Survey, company_id=cid, estate_id=e.pk, year=year, households=max(homes, 1), responded=responded,
                satisfied=int(responded * q))
    for w in writers.values():
        w.flush()
    with connection.cursor() as cursor:
        if pg:
            cursor.execute("SET session_replication_role = DEFAULT")
            started = time.perf_counter()
            for _name, definition in indexes:
                cursor.execute(definition)
            print(f"# indexes rebuilt in {time.perf_counter() - started:.1f} s")
            for m, last in ids.items():
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [m._meta.db_table, last])
    best = sorted(quality, key=lambda c: -quality[c])[:POOL]
    PoolEntry.objects.bulk_create([PoolEntry(company_id=c, status="admitted", applied_on=dt.date(last_year, 1, 5),
                                             admitted_on=dt.date(last_year, 1, 15),
                                             term_until=dt.date(last_year + 3, 1, 14), grade="A") for c in best])
    return {"towns": n_towns, "companies": n_companies, **{m.__name__: w.rows for m, w in writers.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--estates", type=int, default=13000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--homes", type=int, default=100, help="homes per synthetic estate")
    parser.add_argument("--requests", type=int, default=200_000, help="repair requests (bench/repairs.py's loader)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", nargs="?", const=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="reuse the database as loaded")
    parser.add_argument("--template", help="copy this database (migrated, with the sample demo) instead of "
                                           "loading the demo again")
    parser.add_argument("--json", help="write the results there")
    args = parser.parse_args()
    url, pg = database(args.database_url or DEFAULT_URL)
    if not pg:
        sys.exit("this bench runs on PostgreSQL (--database-url)")
    if not args.keep:
        recreate(url, template=args.template)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from fangguan.accounts.models import User
    from fangguan.core.actors import system_actor
    from fangguan.core.db import analyze
    from fangguan.demo import load_all
    from fangguan.registry.models import Company, Contract, Town
    from fangguan.supervision import selectors, services
    from fangguan.supervision.models import Breach, Inspection, PoolEntry

    call_command("migrate", verbosity=0)
    load = time.perf_counter()
    if not args.keep:
        if not args.template:
            load_all(homes="sample")
        counts = synth(args.estates, args.years, args.homes, random.Random(17), pg)
        if args.requests:
            counts |= generate(args.requests, timezone.now(), pg)
        analyze()
        print(f"# built in {time.perf_counter() - load:.0f} s: {counts}")
    inspections = Inspection.objects.count()
    print(f"# {platform.node()} · PostgreSQL {connection.pg_version} · {Contract.objects.count():,} contracts, "
          f"{Company.objects.count():,} companies, {inspections:,} inspections, {Breach.objects.count():,} breaches "
          f"· load {', '.join(f'{x:.2f}' for x in os.getloadavg())}")

    year = dt.date.today().year - 1
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    system = system_actor()
    bureau = User.objects.get(username="admin")
    town = Town.objects.filter(code__startswith="SYNSV").order_by("pk").first() or Town.objects.order_by("pk").first()
    company = (Breach.objects.values("company_id").annotate(n=Count("pk")).order_by("-n")
               .values_list("company_id", flat=True).first()) or Company.objects.order_by("pk").first().pk
    company = Company.objects.get(pk=company)
    params = {"company": company.pk, "day": end, "start": start, "end": end, "town": town.pk,
              "from_at": dt.datetime(year, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=8),
              "to_at": dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=8)}

    def sql(*queries):
        def run():
            with connection.cursor() as cursor:
                for q in queries:
                    cursor.execute(q, params)
                    cursor.fetchall()
        return run

    served = """FROM registry_contract k JOIN registry_managementarea a ON a.id = k.area_id
        JOIN registry_estate e ON e.id = a.estate_id"""
    as_of = """WHERE k.start_on <= %(day)s AND (k.end_on IS NULL OR k.end_on >= %(day)s)
        AND (k.terminated_on IS NULL OR k.terminated_on > %(day)s)"""

    def evaluation_sql(in_town: bool):
        t = " AND e.town_id = %(town)s" if in_town else ""
        t2 = " AND x.estate_id IN (SELECT id FROM registry_estate WHERE town_id = %(town)s)" if in_town else ""
        return sql(
            f"SELECT DISTINCT k.company_id {served} {as_of}{t}",  # noqa: S608
            f"SELECT k.company_id, COUNT(DISTINCT h.id) {served} LEFT JOIN registry_building b ON b.area_id = a.id "  # noqa: S608
            f"LEFT JOIN registry_home h ON h.building_id = b.id {as_of}{t} GROUP BY k.company_id",
            "SELECT r.company_id, COUNT(*), COUNT(*) FILTER (WHERE r.responded_at <= r.response_due_at), "
            "COUNT(*) FILTER (WHERE r.completed_at <= r.complete_due_at), COUNT(*) FILTER (WHERE r.reopen_count > 0), "
            "AVG(r.rating) FROM repairs_repairrequest r WHERE r.merged_into_id IS NULL AND r.created_at >= %(from_at)s "
            "AND r.created_at < %(to_at)s GROUP BY r.company_id",
            "SELECT x.company_id, COUNT(*), SUM(x.passed), SUM(x.failed) FROM supervision_inspection x "  # noqa: S608
            f"WHERE x.inspected_on BETWEEN %(start)s AND %(end)s AND x.status NOT IN ('draft', 'cancelled'){t2} "
            "GROUP BY x.company_id",
            "SELECT x.company_id, COUNT(*) FROM supervision_complaint x WHERE x.status = 'upheld' "  # noqa: S608
            f"AND x.filed_at >= %(from_at)s AND x.filed_at < %(to_at)s{t2} GROUP BY x.company_id",
            "SELECT company_id, SUM(points) FROM supervision_breach WHERE occurred_on <= %(day)s "
            "AND published_until > %(day)s AND status <> 'annulled' AND (corrected_on IS NULL OR corrected_on > %(day)s) "
            "GROUP BY company_id",
            "SELECT x.company_id, SUM(households), SUM(responded), SUM(satisfied) FROM supervision_survey x "  # noqa: S608
            f"WHERE x.year = {year}{t2} GROUP BY x.company_id",
        )

    members = PoolEntry.objects.filter(status="admitted").count()
    year_start = time.perf_counter()

    def nightly():
        with transaction.atomic():
            services.pool_nightly(now=timezone.now())
            transaction.set_rollback(True)  # each run judges the same members

    cases = [
        ("one company's credit file (bureau, as of a day)",
         lambda: selectors.credit_file(bureau, company=company, as_of=end),
         sql("SELECT b.* FROM supervision_breach b WHERE b.company_id = %(company)s AND b.occurred_on <= %(day)s "
             "ORDER BY b.occurred_on DESC, b.id DESC",
             "SELECT SUM(points) FROM supervision_breach WHERE company_id = %(company)s AND occurred_on <= %(day)s "
             "AND published_until > %(day)s AND status <> 'annulled' AND (corrected_on IS NULL OR corrected_on > %(day)s)",
             "SELECT * FROM supervision_achievement WHERE company_id = %(company)s AND \"on\" <= %(day)s")),
        (f"the year's evaluation of a town ({year})",
         lambda: selectors.evaluation(system, date_from=start, date_to=end, town=town.pk), evaluation_sql(True)),
        (f"the year's evaluation of the district ({year})",
         lambda: selectors.evaluation(system, date_from=start, date_to=end), evaluation_sql(False)),
    ]
    pool_bare = sql(
        "SELECT id, company_id, term_until FROM supervision_poolentry WHERE status = 'admitted' ORDER BY id",
        f"SELECT company_id, grade FROM supervision_yearevaluation WHERE year = {year} AND town_id IS NULL",  # noqa: S608
        "SELECT DISTINCT company_id FROM supervision_breach WHERE severity = 'especially_serious' "
        "AND occurred_on > %(day)s::date - interval '12 months' AND occurred_on <= %(day)s AND status <> 'annulled' "
        "AND company_id IN (SELECT company_id FROM supervision_poolentry WHERE status = 'admitted')")
    results = []
    print(f"{'measure':52} {'p50':>10} {'p95':>10} {'p99':>10}   bare SQL p50   ratio")
    for name, fn, bare in cases:
        p50, p95, p99 = pct(measure(fn, args.runs))
        b50, _b95, _b99 = pct(measure(bare, args.runs))
        print(f"{name:52} {p50:10.1f} {p95:10.1f} {p99:10.1f}   {b50:12.1f}   {p50 / b50:5.1f}×", flush=True)
        results.append({"operation": name, "p50": p50, "p95": p95, "p99": p99, "bare": b50})
    # the nightly step first stores last year's evaluation (the district's and every town's), once
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as freeze:
        lines = services.evaluation_freeze(year)
    froze = (time.perf_counter() - started) * 1000
    print(f"{'storing the year (district + ' + str(Town.objects.count()) + ' towns), once':52} {froze:10.1f}"
          f"{'':24}   ({lines:,} lines, {len(freeze.captured_queries)} queries)", flush=True)
    results.append({"operation": "storing the year's evaluation (once)", "p50": froze, "queries":
                    len(freeze.captured_queries), "lines": lines})
    # the first night removes the members the stored grades no longer admit (a write per member
    # removed, with its audit and outbox rows); every night after it, the check finds nothing to do
    started = time.perf_counter()
    verdict = services.pool_nightly(now=timezone.now())
    first = (time.perf_counter() - started) * 1000
    name = f"the pool's first nightly check ({members} members)"
    print(f"{name:52} {first:10.1f}{'':24}   {verdict}", flush=True)
    results.append({"operation": name, "p50": first, "verdict": verdict})
    left = PoolEntry.objects.filter(status="admitted").count()
    p50, p95, p99 = pct(measure(nightly, args.runs))
    b50, _b95, _b99 = pct(measure(pool_bare, args.runs))
    name = f"the pool's nightly check ({left} members, none to remove)"
    print(f"{name:52} {p50:10.1f} {p95:10.1f} {p99:10.1f}   {b50:12.1f}   {p50 / b50:5.1f}×", flush=True)
    results.append({"operation": name, "p50": p50, "p95": p95, "p99": p99, "bare": b50})
    with CaptureQueriesContext(connection) as district:
        data = selectors.evaluation(system, date_from=start, date_to=end)
    print(f"# the district's evaluation: {data['count']:,} companies in {len(district.captured_queries)} queries; "
          f"timed in {time.perf_counter() - year_start:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "queries": len(district.captured_queries),
                                               "companies": data["count"], "inspections": inspections}, indent=2))


if __name__ == "__main__":
    main()
