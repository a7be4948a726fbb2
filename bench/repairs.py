"""Benchmark of the repair reads (issue #7) at a size given as a parameter: a company's open
requests sorted by deadline (its queue), the clock's overdue scan (what ``repairs_tick`` does
every minute once everything late has been escalated), and the figures per company — each beside
the bare SQL it needs.

    .venv/bin/python bench/repairs.py [--requests 100000] [--runs 20]

Runs on a fresh database of its own (SQLite in a temporary folder, or DATABASE_URL's server with
a database named ``<name>_bench``), migrated and loaded with the Jinshan demo (sample homes), then
``--requests`` requests spread over every estate and three years, written in bulk (statuses,
deadlines and answers drawn at random). Prints p50/p95/p99 in ms and the ratio of each p50 to
the bare SQL's p50.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench"), str(ROOT)]

from dashboard import _database, measure, pct  # noqa: E402  (same harness as the dashboard's)

WORKING = "('submitted','accepted','in_progress','deferred','reopened')"
BARE_QUEUE = [
    f"""SELECT r.id, r.status, r.complete_due_at, e.name, c.name FROM repairs_repairrequest r
        JOIN registry_estate e ON e.id = r.estate_id JOIN repairs_category c ON c.id = r.category_id
        WHERE r.status IN {WORKING} AND r.estate_id IN (
          SELECT a.estate_id FROM registry_managementarea a JOIN registry_contract k ON k.area_id = a.id
          WHERE k.company_id = %(company)s AND k.start_on <= %(day)s AND (k.end_on IS NULL OR k.end_on >= %(day)s)
          AND (k.terminated_on IS NULL OR k.terminated_on > %(day)s))
        ORDER BY r.complete_due_at, r.id LIMIT 50""",
    f"""SELECT COUNT(*) FROM repairs_repairrequest r WHERE r.status IN {WORKING} AND r.estate_id IN (
          SELECT a.estate_id FROM registry_managementarea a JOIN registry_contract k ON k.area_id = a.id
          WHERE k.company_id = %(company)s AND k.start_on <= %(day)s AND (k.end_on IS NULL OR k.end_on >= %(day)s)
          AND (k.terminated_on IS NULL OR k.terminated_on > %(day)s))""",
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


def generate(n: int, now: dt.datetime) -> None:
    """``n`` requests over every estate and three years, in bulk (no history rows)."""
    from fangguan.registry.models import Contract, Estate
    from fangguan.repairs.models import Category, RepairRequest

    rng = random.Random(7)
    estates = list(Estate.objects.values_list("pk", flat=True))
    serving = dict(Contract.objects.as_of(now.date()).values_list("area__estate_id", "company_id"))
    categories = list(Category.objects.all())
    batch = []
    for _ in range(n):
        created = now - dt.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        category = rng.choice(categories)
        due = created + dt.timedelta(hours=rng.choice([2, 24, 72, 96, 120]))
        age = now - created
        done = age > dt.timedelta(days=10) or rng.random() < 0.5
        completed = created + (due - created) * rng.uniform(0.2, 1.6) if done else None
        status = "closed" if done and age > dt.timedelta(days=8) else "completed" if done else rng.choice(
            ["submitted", "accepted", "in_progress", "deferred"])
        estate = rng.choice(estates)
        batch.append(RepairRequest(
            estate_id=estate, category=category, company_id=serving.get(estate), description="bench",
            created_at=created, response_due_at=min(due, created + dt.timedelta(hours=24)), complete_due_at=due,
            responded_at=created + dt.timedelta(hours=rng.uniform(0.1, 30)) if status != "submitted" else None,
            completed_at=completed if completed and completed <= now else None, status=status,
            rating=rng.choice([None, None, 3, 4, 5, 5]) if status == "closed" else None,
            reopen_count=1 if rng.random() < 0.05 else 0, urgent=category.urgent))
        if len(batch) == 10000:
            RepairRequest.objects.bulk_create(batch)
            batch = []
    RepairRequest.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = _database()
    os.environ.setdefault("FANGGUAN_ENV", "development")
    os.environ.setdefault("FANGGUAN_VAR_DIR", tempfile.mkdtemp(prefix="fangguan-bench-var-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangguan.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from fangguan.accounts.models import User
    from fangguan.demo import load_all
    from fangguan.repairs import conf
    from fangguan.repairs.choices import WORKING as WORKING_STATES
    from fangguan.repairs.selectors import repair_stats, requests_for
    from fangguan.repairs.services import tick

    call_command("migrate", verbosity=0)
    load_all(homes="sample")
    now = timezone.now()
    started = time.perf_counter()
    generate(args.requests, now)
    written = time.perf_counter() - started
    admin, wuye = User.objects.get(username="admin"), User.objects.get(username="wuye")
    company = wuye.memberships.values_list("organisation__company_id", flat=True).first()
    params = {"company": company, "day": now.date(), "now": now,
              "grace": now - dt.timedelta(hours=conf.escalation_grace_hours()),
              "cutoff": now - dt.timedelta(days=conf.auto_close_days())}
    escalated_at = time.perf_counter()
    first = tick(now)  # the first scan escalates everything late; later ones find nothing new
    escalated = time.perf_counter() - escalated_at

    def bare(queries):
        def run():
            with connection.cursor() as cursor:
                for sql in queries:
                    cursor.execute(sql, params)
                    cursor.fetchall()
        return run

    def queue():
        qs = requests_for(wuye, ordering="deadline").filter(status__in=WORKING_STATES)
        return qs.count(), list(qs[:50])

    with connection.cursor() as cursor:  # the bare SQL finds what the selectors find
        cursor.execute(BARE_QUEUE[0], params)
        assert [row[0] for row in cursor.fetchall()] == [r.pk for r in queue()[1]]
    vendor = connection.Database.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
    print(f"# {platform.node() or 'machine'}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{connection.vendor} {vendor}")
    print(f"# {args.requests} requests written in {written:.1f} s; first tick {escalated:.1f} s ({first}); "
          f"{args.runs} runs each; ms")
    print(f"{'operation':<52}{'p50':>9}{'p95':>9}{'p99':>9}{'ratio':>8}")
    rows = [
        ("company queue by deadline (count + first 50)", queue, BARE_QUEUE),
        ("overdue scan (tick, nothing new)", lambda: tick(now), BARE_SCAN),
        ("repair_stats by company (bureau)", lambda: repair_stats(admin, "company", now=now), BARE_STATS),
    ]
    for label, fn, sql in rows:
        base = pct(measure(bare(sql), args.runs))[0]
        p50, p95, p99 = pct(measure(fn, args.runs))
        print(f"{'bare SQL: ' + label:<52}{base:>9.1f}{'':>9}{'':>9}{1:>8.1f}")
        print(f"{label:<52}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{p50 / base:>8.1f}")


if __name__ == "__main__":
    main()
