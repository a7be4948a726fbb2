"""Benchmark of the top bar's search (issue 18) on PostgreSQL at a district's size:

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/fg_search_bench \\
        .venv/bin/python bench/search.py --estates 500 --requests 200000 --runs 20

1. Migrates the database and fills it with ``manage.py synth --estates N --if-size`` (500 synthetic
   estates: ~315,000 homes and ~376,000 people, about Jinshan's size), then adds ``--requests``
   repair requests (bulk rows over those estates) when it holds fewer, and ANALYZEs.
2. Two accounts made directly in the database: the district bureau (sees everything) and a town
   office (its town's records: every type narrowed by its scope rule).
3. For each form of query (an estate's name, its pinyin initials, an address, a person's name, a
   surname alone, a phone and an identity number — by blind index —, a request number, a miss)
   on ``--runs`` distinct targets: the time of ``search.selectors.search`` in process, and of
   ``GET /api/v1/search`` through Django's test client (middleware, authentication, JSON), and
   the statements one search sent, run again bare through the cursor (their sum); p50 / p95 in
   ms. The empty endpoint (``/api/v1/ping``) is timed last: what the machine's load alone costs.

Timings are printed, never asserted; the table goes into docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/fg_search_bench"


def setup(url: str, estates: int) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run(manage + ["synth", "--estates", str(estates), "--if-size"], env=env, check=True, cwd=ROOT)
    os.environ["DATABASE_URL"] = url


def accounts():
    from fangguan.accounts.choices import OrgKind, Role
    from fangguan.accounts.models import Membership, Organisation, User
    from fangguan.registry.models import Town

    bureau, _ = User.objects.get_or_create(username="bench-search-bureau")
    org = Organisation.objects.filter(kind=OrgKind.BUREAU).first() or Organisation.objects.create(
        name="区房管局 (benchmark)", kind=OrgKind.BUREAU)
    Membership.objects.get_or_create(user=bureau, organisation=org, role=Role.BUREAU_OFFICER)
    town = Town.objects.order_by("pk").first()
    officer, _ = User.objects.get_or_create(username="bench-search-town")
    office = Organisation.objects.filter(kind=OrgKind.TOWN_OFFICE, town=town).first() or Organisation.objects.create(
        name=f"{town.name}房办 (benchmark)", kind=OrgKind.TOWN_OFFICE, town=town)
    Membership.objects.get_or_create(user=officer, organisation=office, role=Role.TOWN_OFFICER)
    return {"bureau": bureau, "town office": officer}, town


def requests(n: int) -> int:
    """Repair requests over the synthetic estates (plain rows: the search reads their number)."""
    from django.db import connection
    from django.utils import timezone

    from fangguan.registry.models import Estate
    from fangguan.repairs.models import Category, RepairRequest

    have = RepairRequest.objects.count()
    if have >= n:
        return have
    estates = list(Estate.objects.values_list("pk", flat=True))
    categories = list(Category.objects.all())
    rng = random.Random(18)
    now = timezone.now()
    batch = []
    for _ in range(n - have):
        created = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 365 * 3))
        batch.append(RepairRequest(estate_id=rng.choice(estates), category=rng.choice(categories),
                                   description="基准报修", status="closed", created_at=created,
                                   response_due_at=created + dt.timedelta(hours=24),
                                   complete_due_at=created + dt.timedelta(days=3)))
        if len(batch) == 5000:
            RepairRequest.objects.bulk_create(batch)
            batch = []
    RepairRequest.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return RepairRequest.objects.count()


def targets(runs: int, town) -> dict[str, list[str]]:
    """``runs`` queries of each form, from records of the town (so both accounts may find them)."""
    from fangguan.registry.models import Estate, Home, Person
    from fangguan.repairs.models import RepairRequest

    rng = random.Random(1)
    estates = list(Estate.objects.filter(town=town).values("name", "name_pinyin"))
    homes = list(Home.objects.filter(building__estate__town=town).values(
        "room_number", "building__number", "building__estate__name")[:20000])
    ids = list(Person.objects.filter(shares__home__building__estate__town=town).exclude(phone_index="").values_list(
        "pk", flat=True)[:20000])
    people = list(Person.objects.filter(pk__in=rng.sample(ids, runs)))
    numbers = list(RepairRequest.objects.filter(estate__town=town).values_list("pk", flat=True)[:20000])

    def pick(items):
        return [rng.choice(items) for _ in range(runs)]

    return {
        "an estate's name": [e["name"] for e in pick(estates)],
        "an estate's pinyin initials": [e["name_pinyin"].split()[1] for e in pick(estates)],
        "an address (estate building room)": [
            f"{h['building__estate__name']} {h['building__number']} {h['room_number']}" for h in pick(homes)],
        "a person's full name": [p.name for p in people],
        "a surname alone (many matches)": [p.name[0] for p in people],
        "a phone (blind index)": [p.phone_clear() for p in people],
        "an identity number (blind index)": [p.id_number_clear() or p.phone_clear() for p in people],
        "a request number": [f"#{n}" for n in pick(numbers)] if numbers else [],
        "a miss": [f"无此记录{i}" for i in range(runs)],
    }


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--estates", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    setup(args.database_url, args.estates)

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangguan.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from fangguan.search.selectors import search

    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users, town = accounts()
    total_requests = requests(args.requests)
    from fangguan.registry.models import Estate, Home, Person

    print(f"database: {Estate.objects.count():,} estates, {Home.objects.count():,} homes, "
          f"{Person.objects.count():,} people, {total_requests:,} repair requests; town office of {town.name}; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    forms = targets(args.runs, town)
    print("| query | account | statements | results (median) | bare SQL p50 / p95 ms | in process p50 / p95 ms "
          "| API p50 / p95 ms |")
    print("|---|---|---:|---:|---|---|---|")
    for label, queries in forms.items():
        if not queries:
            continue
        for who, user in users.items():
            client = Client()
            client.force_login(user)
            search(user, "warm")
            client.get("/api/v1/search", {"q": "warm"})
            inproc, api, bare, found, statements = [], [], [], [], 0
            for q in queries:
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    results = search(user, q)
                    inproc.append((time.perf_counter() - start) * 1000)
                statements = max(statements, len(ctx.captured_queries))
                with connection.cursor() as cursor:  # the same statements, run bare
                    start = time.perf_counter()
                    for captured in ctx.captured_queries:
                        cursor.execute(captured["sql"])
                        cursor.fetchall()
                    bare.append((time.perf_counter() - start) * 1000)
                found.append(results.count)
                start = time.perf_counter()
                response = client.get("/api/v1/search", {"q": q})
                api.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.content[:200]
            print(f"| {label} | {who} | {statements} | {statistics.median(found):g} | "
                  f"{pct(bare, 50):.1f} / {pct(bare, 95):.1f} | "
                  f"{pct(inproc, 50):.1f} / {pct(inproc, 95):.1f} | {pct(api, 50):.1f} / {pct(api, 95):.1f} |",
                  flush=True)
    client = Client()
    client.force_login(users["bureau"])
    ping = []
    for _ in range(args.runs):
        start = time.perf_counter()
        client.get("/api/v1/ping")
        ping.append((time.perf_counter() - start) * 1000)
    print(f"| empty endpoint (/api/v1/ping), for the machine's load | bureau | 0 | — | — | — | "
          f"{pct(ping, 50):.1f} / {pct(ping, 95):.1f} |")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
