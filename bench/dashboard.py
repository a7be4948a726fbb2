"""Benchmark of the dashboard's reads (issue #3): the registry figures, the whole page's data and
the map layer, each against the bare SQL the operation needs, for the district and a town office.

    .venv/bin/python bench/dashboard.py [--runs 30] [--day 2020-12-31]

Runs on a fresh database of its own (SQLite in a temporary folder, or DATABASE_URL's server with
a database named ``<name>_bench``), migrated and loaded with the Jinshan demo (sample homes: the
dashboard reads estates, contracts, committees, facilities — all of them are full size). Prints
p50/p95/p99 in milliseconds and the ratio of each p50 to the bare SQL's p50.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

IN_FORCE = "{t}.{start} IS NOT NULL AND {t}.{start} <= %(d)s AND ({t}.{end} IS NULL OR {t}.{end} > %(d)s)"
ESTATE = IN_FORCE.format(t="e", start="delivered_on", end="removed_on")
CONTRACT = ("c.start_on <= %(d)s AND (c.end_on IS NULL OR c.end_on >= %(d)s) "
            "AND (c.terminated_on IS NULL OR c.terminated_on > %(d)s)")

# The figures by town, written by hand: what registry_stats needs at the least (district scope).
BARE_STATS = [
    f"SELECT e.town_id, COUNT(*), SUM(e.floor_area_m2) FROM registry_estate e WHERE {ESTATE} GROUP BY e.town_id",
    f"""SELECT e.town_id, COUNT(DISTINCT c.company_id) FROM registry_contract c
        JOIN registry_managementarea a ON a.id = c.area_id JOIN registry_estate e ON e.id = a.estate_id
        WHERE {ESTATE} AND {CONTRACT} GROUP BY e.town_id""",
    f"""SELECT COUNT(DISTINCT c.company_id) FROM registry_contract c
        JOIN registry_managementarea a ON a.id = c.area_id JOIN registry_estate e ON e.id = a.estate_id
        WHERE {ESTATE} AND {CONTRACT}""",
    f"SELECT COUNT(*) FROM registry_company k WHERE {IN_FORCE.format(t='k', start='filed_on', end='filing_revoked_on')}",
    f"""SELECT e.town_id, COUNT(*), SUM(CASE WHEN o.party_group_since <= %(d)s THEN 1 ELSE 0 END)
        FROM registry_ownerscommittee o JOIN registry_managementarea a ON a.id = o.area_id
        JOIN registry_estate e ON e.id = a.estate_id
        WHERE {ESTATE} AND {IN_FORCE.format(t='o', start='established_on', end='dissolved_on')} GROUP BY e.town_id""",
    f"""SELECT n.town_id, COUNT(DISTINCT n.id) FROM registry_committeemember x
        JOIN registry_neighbourhood n ON n.id = x.neighbourhood_id JOIN registry_ownerscommittee o ON o.id = x.committee_id
        JOIN registry_managementarea a ON a.id = o.area_id JOIN registry_estate e ON e.id = a.estate_id
        WHERE {ESTATE} AND {IN_FORCE.format(t='o', start='established_on', end='dissolved_on')}
        AND x.start_on <= %(d)s AND (x.end_on IS NULL OR x.end_on > %(d)s) GROUP BY n.town_id""",
    f"""SELECT n.town_id, COUNT(*) FROM registry_neighbourhood n
        WHERE {IN_FORCE.format(t='n', start='property_subcommittee_since', end='property_subcommittee_until')}
        GROUP BY n.town_id""",
    f"""SELECT e.town_id, COUNT(DISTINCT e.id) FROM registry_assessment s JOIN registry_estate e ON e.id = s.estate_id
        WHERE {ESTATE} AND s.kind = 'meili_standard' AND s.passed_on <= %(d)s
        AND (s.revoked_on IS NULL OR s.revoked_on > %(d)s) GROUP BY e.town_id""",
    f"""SELECT e.town_id, COUNT(DISTINCT e.id) FROM registry_facility f JOIN registry_estate e ON e.id = f.estate_id
        WHERE {ESTATE} AND f.kind = 'ebike_charging' AND {IN_FORCE.format(t='f', start='installed_on', end='removed_on')}
        GROUP BY e.town_id""",
]
BARE_MAP = [
    f"""SELECT e.id, e.name, e.code, e.estate_type, e.longitude, e.latitude, e.floor_area_m2, t.name
        FROM registry_estate e JOIN registry_town t ON t.id = e.town_id
        WHERE {ESTATE} AND e.latitude IS NOT NULL AND e.longitude IS NOT NULL""",
    f"""SELECT DISTINCT a.estate_id, c.company_id, k.name FROM registry_contract c
        JOIN registry_managementarea a ON a.id = c.area_id JOIN registry_estate e ON e.id = a.estate_id
        JOIN registry_company k ON k.id = c.company_id WHERE {ESTATE} AND {CONTRACT}""",
    f"""SELECT DISTINCT f.estate_id FROM registry_facility f JOIN registry_estate e ON e.id = f.estate_id
        WHERE {ESTATE} AND f.kind = 'ebike_charging' AND {IN_FORCE.format(t='f', start='installed_on', end='removed_on')}""",
]


def _database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}_bench" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}_bench"')
        return f"{base}/{name}_bench"
    return f"sqlite:///{tempfile.mkdtemp(prefix='fangguan-bench-')}/bench.sqlite3"


def measure(fn, runs: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def pct(times: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times), q[94], q[98]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--day", default="2020-12-31")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = _database()
    os.environ.setdefault("FANGGUAN_ENV", "development")
    os.environ.setdefault("FANGGUAN_VAR_DIR", tempfile.mkdtemp(prefix="fangguan-bench-var-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangguan.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fangguan.accounts.models import User
    from fangguan.dashboard.selectors import Dashboard, estate_features, town_area_features
    from fangguan.demo import load_all
    from fangguan.registry.selectors import registry_stats

    call_command("migrate", verbosity=0)
    load_all(homes="sample")
    day = dt.date.fromisoformat(args.day)
    admin = User.objects.get(username="admin")
    with connection.cursor() as cursor:  # the bare SQL counts what the selector counts
        cursor.execute(BARE_STATS[0], {"d": day})
        assert sum(row[1] for row in cursor.fetchall()) == registry_stats(admin, day)["estates"]
        cursor.execute(BARE_MAP[0], {"d": day})
        assert len(cursor.fetchall()) == len(estate_features(admin, day)["features"])

    def bare(queries):
        def run():
            with connection.cursor() as cursor:
                for sql in queries:
                    cursor.execute(sql, {"d": day})
                    cursor.fetchall()
        return run

    def page(user):
        def run():
            board = Dashboard.build(user, day)
            board.cards(), board.towns(), board.charts()
        return run

    print(f"# {platform.node() or 'machine'}: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, {connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else connection.pg_version}")
    print(f"# as of {day}, {args.runs} runs each; ms")
    print(f"{'operation':<48}{'p50':>8}{'p95':>8}{'p99':>8}{'ratio':>8}")
    bare_stats = pct(measure(bare(BARE_STATS), args.runs))[0]
    bare_map = pct(measure(bare(BARE_MAP), args.runs))[0]
    print(f"{'bare SQL: figures by town (9 queries)':<48}{bare_stats:>8.1f}{'':>8}{'':>8}{1:>8.1f}")
    print(f"{'bare SQL: map points (3 queries)':<48}{bare_map:>8.1f}{'':>8}{'':>8}{1:>8.1f}")
    for username in ("admin", "zhujing"):
        user = User.objects.get(username=username)
        for label, fn, base in (
            ("registry_stats", lambda u=user: registry_stats(u, day), bare_stats),
            ("dashboard data (figures, rates, charts)", page(user), bare_stats),
            ("map: estate points", lambda u=user: estate_features(u, day), bare_map),
            ("map: approximate town areas", lambda u=user: town_area_features(u, day), bare_map),
        ):
            p50, p95, p99 = pct(measure(fn, args.runs))
            print(f"{username + ': ' + label:<48}{p50:>8.1f}{p95:>8.1f}{p99:>8.1f}{p50 / base:>8.1f}")


if __name__ == "__main__":
    main()
