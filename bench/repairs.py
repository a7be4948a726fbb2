"""Benchmark of the repair reads (issue #7) at a size given as a parameter: a company's open
requests sorted by deadline (its queue), the clock's overdue scan (what ``repairs_tick`` does
every minute once everything late has been escalated), the figures per company, and one
request's detail with its events — each beside the bare SQL it needs.

    .venv/bin/python bench/repairs.py [--requests 100000] [--runs 20]
        [--database-url postgres://postgres@127.0.0.1:5432/fg_repairs_bench] [--keep]

Runs on a database of its own: SQLite in a temporary folder, or with ``--database-url`` (or a
``postgres`` DATABASE_URL) the PostgreSQL database it names (``--database-url`` alone, or a URL
without a database name: ``fg_repairs_bench``),
dropped and created again. It is migrated and loaded with the Jinshan demo (sample homes), then
``--requests`` requests spread over every estate and three years are written as plain tuples —
COPY on PostgreSQL, with the tables' secondary indexes dropped while loading and built again
after (as pg_restore does), executemany on SQLite — with their events (created, accepted,
completed, closed as they happened) and, for the requests already late, the hand-offs the clock
would have made, so the timed ``tick`` is the steady state. The free disk is checked first.
``--keep`` reuses a PostgreSQL bench database already loaded (only migrates it), to time again.
Prints p50/p95/p99 in ms and the ratio of each p50 to the bare SQL's p50.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench"), str(ROOT)]

from dashboard import measure, pct  # noqa: E402  (same harness as the dashboard's)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fg_repairs_bench"
# Measured on PostgreSQL 15 at 1,000,000 requests (request, events, hand-offs, with their
# indexes): see docs/performance.md. The check asks for twice that, for the index builds' sorts.
BYTES_PER_REQUEST = 1100
DISK_MARGIN = 2.0

WORKING = "('submitted','accepted','in_progress','deferred','reopened')"
CONTRACT_AREAS = """SELECT k.area_id FROM registry_contract k WHERE k.company_id = %(company)s
          AND k.start_on <= %(day)s AND (k.end_on IS NULL OR k.end_on >= %(day)s)
          AND (k.terminated_on IS NULL OR k.terminated_on > %(day)s)"""
SERVED = f"SELECT a.estate_id FROM registry_managementarea a WHERE a.id IN ({CONTRACT_AREAS})"
BARE_QUEUE = [
    f"""SELECT r.id, r.status, r.complete_due_at, e.name, c.name FROM repairs_repairrequest r
        JOIN registry_estate e ON e.id = r.estate_id JOIN repairs_category c ON c.id = r.category_id
        WHERE r.status IN {WORKING} AND r.estate_id IN ({SERVED})
        ORDER BY r.complete_due_at, r.id LIMIT 50""",
    f"SELECT COUNT(*) FROM repairs_repairrequest r WHERE r.status IN {WORKING} AND r.estate_id IN ({SERVED})",
]
_MISSING = """NOT EXISTS (SELECT 1 FROM repairs_escalation x WHERE x.request_id = r.id AND x.level = '{level}'
              AND x.deadline = '{deadline}' AND x.due_at = r.{due})"""
BARE_SCAN = [
    "SELECT r.id FROM repairs_repairrequest r WHERE r.status = 'completed' AND r.completed_at <= %(cutoff)s",
] + [
    f"SELECT r.id FROM repairs_repairrequest r WHERE r.status IN {WORKING} AND {cond} AND "
    + _MISSING.format(level=level, deadline=deadline, due=due)
    for level, deadline, due, cond in (
        ("committee", "response", "response_due_at", "r.responded_at IS NULL AND r.response_due_at < %(now)s"),
        ("committee", "completion", "complete_due_at", "r.complete_due_at < %(now)s"),
        ("town", "response", "response_due_at", "r.responded_at IS NULL AND r.response_due_at < %(grace)s"),
        ("town", "completion", "complete_due_at", "r.complete_due_at < %(grace)s"),
    )
]
BARE_STATS = [
    """SELECT r.company_id, COUNT(*), SUM(CASE WHEN r.responded_at <= r.response_due_at THEN 1 ELSE 0 END),
              SUM(CASE WHEN r.completed_at <= r.complete_due_at THEN 1 ELSE 0 END),
              SUM(CASE WHEN r.reopen_count > 0 THEN 1 ELSE 0 END), AVG(r.rating)
       FROM repairs_repairrequest r WHERE r.merged_into_id IS NULL GROUP BY r.company_id""",
    """SELECT r.company_id, r.created_at, r.completed_at FROM repairs_repairrequest r
       WHERE r.merged_into_id IS NULL AND r.completed_at IS NOT NULL""",
]
BARE_STATS_PG = [  # one pass, the median in the database
    """SELECT r.company_id, COUNT(*), COUNT(*) FILTER (WHERE r.responded_at <= r.response_due_at),
              COUNT(*) FILTER (WHERE r.completed_at <= r.complete_due_at),
              COUNT(*) FILTER (WHERE r.reopen_count > 0), AVG(r.rating),
              percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM r.completed_at - r.created_at))
       FROM repairs_repairrequest r WHERE r.merged_into_id IS NULL GROUP BY ROLLUP (r.company_id)""",
]


def sql_for_period(sql: str) -> str:
    """A full-pass bare query restricted to requests filed in [date_from, date_to] (Shanghai days)."""
    return sql.replace("WHERE r.merged_into_id IS NULL",
                       "WHERE r.merged_into_id IS NULL AND r.created_at >= %(start)s AND r.created_at < %(end)s")


BARE_DETAIL = [
    "SELECT r.* FROM repairs_repairrequest r WHERE r.id = %(one)s",
    "SELECT v.* FROM repairs_repairevent v WHERE v.request_id = %(one)s ORDER BY v.at, v.id",
]


def database(url: str | None) -> tuple[str, bool]:
    """(URL of the bench database, whether it is PostgreSQL)."""
    url = url or (os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres")
                  else "")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='fangguan-bench-')}/bench.sqlite3", False
    scheme, rest = url.split("://", 1)
    server, _, name = rest.partition("/")
    return f"{scheme}://{server}/{name or DEFAULT_URL.rsplit('/', 1)[1]}", True


def recreate(url: str, template: str | None = None) -> None:
    """Drop and create the bench database (empty, or a copy of ``template``)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def setup_django(url: str) -> None:
    """Point the project at the bench database (and a scratch var folder) and set Django up."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("FANGGUAN_ENV", "development")
    os.environ.setdefault("FANGGUAN_VAR_DIR", tempfile.mkdtemp(prefix="fangguan-bench-var-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangguan.settings"
    import django

    django.setup()


def check_disk(n: int, pg: bool) -> str:
    """Refuse before writing if the database's disk cannot hold ``n`` requests (with margin)."""
    from django.db import connection

    if pg:
        with connection.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            path = Path(cursor.fetchone()[0])
    else:
        path = Path(connection.settings_dict["NAME"]).parent
    needed = int(n * BYTES_PER_REQUEST * DISK_MARGIN)
    free = shutil.disk_usage(path).free
    if needed > free:
        raise SystemExit(f"{n:,} requests need about {needed / 1e9:.1f} GB ({BYTES_PER_REQUEST} bytes each "
                         f"x{DISK_MARGIN}) but {path} has {free / 1e9:.1f} GB free")
    return f"needs ~{needed / 1e9:.1f} GB of {free / 1e9:.1f} GB free"


class Writer:
    """Tuples in the model's column order, written in bulk: COPY text on PostgreSQL (datetimes
    are naive UTC, sent with ``+00``), executemany on SQLite (Django's naive UTC text)."""

    def __init__(self, model, pg: bool, parent: Writer | None = None):
        from django.db import connection

        self.model, self.pg, self.rows, self.parent = model, pg, 0, parent
        self.columns = [f.column for f in model._meta.concrete_fields]
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.buffer: list[tuple] = []

    def add(self, row: dict) -> None:
        self.buffer.append(tuple(row.get(c) for c in self.columns))
        if len(self.buffer) >= 20000:
            self.flush()

    def flush(self) -> None:
        from django.db import connection

        if self.parent:  # the rows referred to first (SQLite checks foreign keys at once)
            self.parent.flush()
        if not self.buffer:
            return
        names = ", ".join(self.columns)
        with connection.cursor() as cursor:
            if self.pg:
                lines = []
                for row in self.buffer:
                    lines.append("\t".join(["\\N" if v is None else f"{v}+00" if v.__class__ is dt.datetime
                                            else ("t" if v else "f") if v.__class__ is bool else str(v)
                                            for v in row]))
                with cursor.cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                    copy.write(("\n".join(lines) + "\n").encode())
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.table} ({names}) VALUES ({marks})",  # noqa: S608
                                   [tuple(str(v) if v.__class__ is dt.datetime else v for v in row)
                                    for row in self.buffer])
        self.rows += len(self.buffer)
        self.buffer = []


def secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``tables`` that back no constraint (PostgreSQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s)
                          AND i.indexname NOT IN (SELECT conname FROM pg_constraint)""", [tables])
        return cursor.fetchall()


def bare_cells(rollup, span) -> list[str]:
    """The least the figures from the cells need: every amount summed per company over the month
    tier's whole months and the day tier's edges (``span``: ``rollups.period``), one statement (plus,
    as the selector does, the live count of the late requests not yet answered)."""
    amounts = ", ".join(rollup.amounts)
    sums = ", ".join(f"SUM({name})" for name in rollup.amounts)
    parts = []
    if span.months is not None:
        low, before = span.months
        where = " AND ".join([*([f"day >= '{low}'"] if low else []), *([f"day < '{before}'"] if before else [])]) or "TRUE"
        parts.append(f"SELECT company_id, {amounts} FROM {rollup.month_model._meta.db_table} WHERE {where}")  # noqa: S608
    for low, high in span.days:
        where = " AND ".join([*([f"day >= '{low}'"] if low else []), *([f"day <= '{high}'"] if high else [])]) or "TRUE"
        parts.append(f"SELECT company_id, {amounts} FROM {rollup.model._meta.db_table} WHERE {where}")  # noqa: S608
    return [
        f"SELECT company_id, {sums} FROM ({' UNION ALL '.join(parts)}) AS t GROUP BY company_id",  # noqa: S608
        """SELECT company_id, COUNT(*) FROM repairs_repairrequest WHERE merged_into_id IS NULL AND
           ((responded_at IS NULL AND response_due_at < %(now)s AND NOT status = 'cancelled') OR
            (completed_at IS NULL AND complete_due_at < %(now)s AND NOT status IN ('cancelled', 'rejected')))
           GROUP BY company_id""",
    ]


def generate(n: int, now: dt.datetime, pg: bool) -> dict:
    """``n`` requests over every estate and three years, in filing order, with their events and the
    hand-offs already due; returns row counts."""
    import json

    from django.db import connection

    from fangguan.registry.models import Contract, Estate
    from fangguan.repairs import conf
    from fangguan.repairs.models import Category, Escalation, RepairEvent, RepairRequest

    rng = random.Random(7)
    estates = list(Estate.objects.values_list("pk", flat=True))
    serving = dict(Contract.objects.as_of(now.date()).values_list("area__estate_id", "company_id"))
    categories = list(Category.objects.values_list("pk", "urgent"))
    utc_now = now.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    grace = utc_now - dt.timedelta(hours=conf.escalation_grace_hours())
    start = utc_now - dt.timedelta(days=3 * 365)
    span = int((utc_now - start).total_seconds())
    ids = {}
    with connection.cursor() as cursor:
        for model in (RepairRequest, RepairEvent, Escalation):
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
            ids[model] = cursor.fetchone()[0]
    requests = Writer(RepairRequest, pg)
    events, escalations = Writer(RepairEvent, pg, requests), Writer(Escalation, pg, requests)
    writers = {RepairRequest: requests, RepairEvent: events, Escalation: escalations}
    tables = [m._meta.db_table for m in writers]
    indexes = secondary_indexes(tables) if pg else []
    with connection.cursor() as cursor:
        if pg:  # FK triggers off while loading (rows are consistent by construction); indexes built after
            cursor.execute("SET session_replication_role = replica")
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
    hours = (2, 24, 72, 96, 120)
    empty = "{}"  # JSON text for both COPY and SQLite
    sec = dt.timedelta(seconds=1)
    rid, eid, xid = ids[RepairRequest], ids[RepairEvent], ids[Escalation]

    def event(kind, at, frm, to, data=empty):
        nonlocal eid
        eid += 1
        events.add({"id": eid, "request_id": rid, "kind": kind, "at": at, "note": "", "from_status": frm,
                    "to_status": to, "data": data})

    for i in range(n):
        rid += 1
        created = start + sec * int(span * (i + rng.random()) / n)
        category, urgent = rng.choice(categories)
        due = created + dt.timedelta(hours=rng.choice(hours))
        response_due = min(due, created + dt.timedelta(hours=24))
        age = utc_now - created
        completed = created + (due - created) * rng.uniform(0.2, 1.6)
        completed = completed.replace(microsecond=0)
        done = completed <= utc_now and (age > dt.timedelta(days=10) or rng.random() < 0.5)
        if done:
            status = "closed" if completed <= utc_now - dt.timedelta(days=8) else "completed"
        else:
            status = rng.choice(("submitted", "accepted", "in_progress", "deferred"))
        responded = None
        if status != "submitted":
            responded = min(created + sec * int(rng.uniform(360, 108000)), completed if done else utc_now)
        estate = rng.choice(estates)
        closed = completed + dt.timedelta(days=7) if status == "closed" else None
        rating = rng.choice((None, None, 3, 4, 5, 5)) if status == "closed" else None
        requests.add({
            "id": rid, "estate_id": estate, "place": "other", "category_id": category,
            "company_id": serving.get(estate), "description": "bench", "urgent": urgent,
            "urgent_requested": False, "channel": "app", "contact_name": "", "contact_phone": "",
            "status": status, "created_at": created, "updated_at": closed or completed if done else created,
            "response_due_at": response_due, "complete_due_at": due, "calendar_estimated": False,
            "responded_at": responded, "completed_at": completed if done else None, "closed_at": closed,
            "reopen_count": 1 if rng.random() < 0.05 else 0, "rating": rating, "comment": ""})
        event("created", created, "", "submitted")
        if responded:
            event("accepted", responded, "submitted", "accepted")
        if done:
            event("completed", completed, "in_progress", "completed")
            if closed:
                event("closed", closed, "completed", "closed")
        else:  # still with the company: the hand-offs the clock has already made
            for level, deadline, due_at, late, limit in (
                ("committee", "response", response_due, responded is None, utc_now),
                ("committee", "completion", due, True, utc_now),
                ("town", "response", response_due, responded is None, grace),
                ("town", "completion", due, True, grace),
            ):
                if late and due_at < limit:
                    xid += 1
                    escalations.add({"id": xid, "request_id": rid, "level": level, "deadline": deadline,
                                     "due_at": due_at, "state": "sent", "sent_at": utc_now, "note": ""})
                    payload = {"level": level, "deadline": deadline, "escalation": xid}
                    event("escalated", utc_now, status, status, json.dumps(payload))
    for writer in writers.values():
        writer.flush()
    with connection.cursor() as cursor:
        if pg:
            cursor.execute("SET session_replication_role = DEFAULT")
            for _name, definition in indexes:
                cursor.execute(definition)
            for model, last in ((RepairRequest, rid), (RepairEvent, eid), (Escalation, xid)):
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [model._meta.db_table, last])
        cursor.execute("ANALYZE")  # the demo's tables too: the planner's estimates for the joins
    return {"requests": requests.rows, "events": events.rows, "escalations": escalations.rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=20, help="0: load only (time later with --keep)")
    parser.add_argument("--database-url", nargs="?", const=DEFAULT_URL,
                        help=f"PostgreSQL database to (re)create; alone: {DEFAULT_URL}")
    parser.add_argument("--keep", action="store_true", help="reuse the PostgreSQL bench database as loaded")
    parser.add_argument("--json", help="also write the results here (for bench/all.py)")
    args = parser.parse_args()
    url, pg = database(args.database_url)
    if pg and not args.keep:
        recreate(url)
    setup_django(url)
    from unittest import mock

    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings
    from django.utils import timezone

    from fangguan.accounts.models import User
    from fangguan.core import rollups
    from fangguan.demo import load_all
    from fangguan.repairs import conf, figures
    from fangguan.repairs.api import _visible
    from fangguan.repairs.api import detail as detail_out
    from fangguan.repairs.choices import WORKING as WORKING_STATES
    from fangguan.repairs.deadlines import LOCAL
    from fangguan.repairs.models import RepairRequest
    from fangguan.repairs.selectors import repair_stats, repair_stats_full, requests_for
    from fangguan.repairs.services import tick

    call_command("migrate", verbosity=0)
    now = timezone.now()
    if args.keep:
        note, written, counts = "kept", 0.0, {"requests": RepairRequest.objects.count()}
    else:
        note = check_disk(args.requests, pg)
        load_all(homes="sample")
        now = timezone.now()
        started = time.perf_counter()
        counts = generate(args.requests, now, pg)
        written = time.perf_counter() - started
        started = time.perf_counter()
        counts["figure cells"] = figures.rebuild()  # bulk writes bypass the services
        counts["cells rebuilt in s"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE repairs_figuresday")
            cursor.execute("ANALYZE repairs_figuresmonth")
    admin, wuye = User.objects.get(username="admin"), User.objects.get(username="wuye")
    company = wuye.memberships.values_list("organisation__company_id", flat=True).first()
    one = RepairRequest.objects.order_by("-pk").values_list("pk", flat=True).first()
    params = {"company": company, "day": timezone.localdate(now), "now": now, "one": one,
              "grace": now - dt.timedelta(hours=conf.escalation_grace_hours()),
              "cutoff": now - dt.timedelta(days=conf.auto_close_days())}
    if not args.runs:
        print(f"# {counts} written in {written:.1f} s ({counts['requests'] / written:,.0f} requests/s); "
              f"load {os.getloadavg()[0]:.2f}; disk {note}")
        return
    escalated_at = time.perf_counter()
    first = tick(now)  # steady state: the hand-offs already due were written with the requests
    escalated = time.perf_counter() - escalated_at

    def bare(queries, values=None):
        def run():
            with connection.cursor() as cursor:
                for sql in queries:
                    cursor.execute(sql, values or params)
                    cursor.fetchall()
        return run

    def queue():
        qs = requests_for(wuye, ordering="deadline").filter(status__in=WORKING_STATES)
        return qs.count(), list(qs[:50])

    def detail():  # what GET /api/v1/repairs/{id} computes
        return detail_out(admin, _visible(admin).get(pk=one))

    with connection.cursor() as cursor:  # the bare SQL finds what the selectors find
        cursor.execute(BARE_QUEUE[0], params)
        assert [row[0] for row in cursor.fetchall()] == [r.pk for r in queue()[1]]
    vendor = connection.Database.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
    print(f"# {platform.node() or 'machine'}: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
          f"Python {platform.python_version()}, {connection.vendor} {vendor}; disk {note}")
    rate = counts["requests"] / written if written else 0
    print(f"# {counts} written in {written:.1f} s ({rate:,.0f} requests/s); first tick {escalated:.1f} s "
          f"({first}); {args.runs} runs each; ms")
    print(f"{'operation':<52}{'p50':>9}{'p95':>9}{'p99':>9}{'ratio':>8}")
    today = timezone.localdate(now)
    year = {"date_from": today - dt.timedelta(days=364), "date_to": today}  # ragged at both ends

    def from_cells(**period):
        with override_settings(FANGGUAN_REPAIR_FIGURES_FROM_CELLS=1):
            return repair_stats(admin, "company", now=now, **period)

    def from_days(**period):  # the day tier alone, as before the month tier
        real = rollups.period
        with mock.patch.object(rollups, "period", lambda a, b: real(a, b, months=False)):
            return from_cells(**period)

    year_params = {**params, "start": dt.datetime.combine(year["date_from"], dt.time(0), tzinfo=LOCAL),
                   "end": dt.datetime.combine(year["date_to"] + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL)}
    rows = [
        ("company queue by deadline (count + first 50)", queue, BARE_QUEUE),
        ("overdue scan (tick, nothing new)", lambda: tick(now), BARE_SCAN),
        ("repair figures by company (bureau), full pass (before)",
         lambda: repair_stats_full(admin, "company", now=now), BARE_STATS_PG if pg else BARE_STATS),
        ("repair figures by company (bureau), from the cells", from_cells,
         bare_cells(figures.ROLLUP, rollups.period(None, None))),
        ("repair figures by company (bureau), from the day cells only (before)", from_days,
         bare_cells(figures.ROLLUP, rollups.period(None, None, months=False))),
        ("repair figures by company, last 365 days, full pass", lambda: repair_stats_full(admin, "company", now=now, **year),
         [sql_for_period(q) for q in (BARE_STATS_PG if pg else BARE_STATS)], year_params),
        ("repair figures by company, last 365 days, from the cells", lambda: from_cells(**year),
         bare_cells(figures.ROLLUP, rollups.period(year["date_from"], year["date_to"]))),
        ("one request with its events", detail, BARE_DETAIL),
    ]
    results = []
    for label, fn, sql, *values in rows:
        base = pct(measure(bare(sql, *values), args.runs))[0]
        p50, p95, p99 = pct(measure(fn, args.runs))
        print(f"{'bare SQL: ' + label:<52}{base:>9.1f}{'':>9}{'':>9}{1:>8.1f}")
        print(f"{label:<52}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{p50 / base:>8.1f}")
        results.append({"operation": label, "p50": p50, "p95": p95, "p99": p99, "bare": base})
    if args.json:
        import json

        Path(args.json).write_text(json.dumps({"requests": counts["requests"], "results": results}, indent=2))


if __name__ == "__main__":
    main()
