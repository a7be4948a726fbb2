"""Benchmark of owners' votes (issue 15) on PostgreSQL: opening a vote over a 5,000-home management
area (the electorate frozen in SQL), counting the result over 5,000 ballots, reading the result
while the vote is open — each beside the bare SQL it needs — and 50 owners casting at the same
moment into one vote (nothing lost or doubled, checked after).

    .venv/bin/python bench/votes.py [--homes 5000] [--runs 20]
        [--database-url postgres://postgres@127.0.0.1:5432/fg_votes_bench]

The database is dropped and created again, migrated and loaded with the Jinshan demo (sample
homes); one estate of ``--homes`` homes (a tenth co-owned by two people, a few owners with two
homes, a developer holding the unsold ones) is added in bulk. Prints p50/p95/p99 in ms and the
ratio of each p50 to its bare SQL's p50.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fg_votes_bench"


def build_estate(homes: int, rng: random.Random):
    """One estate, one management area, ``homes`` homes in buildings of 100, their owners."""
    from fangguan.accounts.choices import OrgKind, Role
    from fangguan.accounts.models import Membership, Organisation, User
    from fangguan.registry import models as rm

    town = rm.Town.objects.order_by("pk").first()
    developer = rm.Person.objects.create(kind="organisation", name="基准测试开发公司")
    estate = rm.Estate.objects.create(code="BENCH-VOTES", name="表决基准小区", town=town, estate_type="commercial",
                                      floor_area_m2=Decimal(homes * 90), developer=developer)
    area = rm.ManagementArea.objects.create(estate=estate, code="BENCH-VOTES-A", name="表决基准小区")
    committee = rm.OwnersCommittee.objects.create(area=area, name="表决基准小区业委会", established_on=dt.date(2020, 1, 1))
    buildings = rm.Building.objects.bulk_create([
        rm.Building(estate=estate, area=area, number=str(b + 1), floors=18, units=2) for b in range((homes + 99) // 100)])
    rows = rm.Home.objects.bulk_create([
        rm.Home(building=buildings[i // 100], unit=str(1 + (i % 100) // 50), room_number=f"{i % 100 + 1:03d}",
                floor=1 + (i % 100) // 6, area_m2=Decimal(rng.randint(5000, 14000)) / 100) for i in range(homes)],
        batch_size=5000)
    people = rm.Person.objects.bulk_create([rm.Person(name=f"业主{i}") for i in range(homes)], batch_size=5000)
    shares, since = [], dt.date(2020, 6, 1)
    for i, home in enumerate(rows):
        r = rng.random()
        if r < 0.03:
            continue  # unsold: the developer's
        if r < 0.05:
            shares.append(rm.HomeShare(home=home, person=developer, since=since))
        elif r < 0.15:
            shares += [rm.HomeShare(home=home, person=people[i], share_percent=Decimal(50), since=since),
                       rm.HomeShare(home=home, person=people[(i + 1) % homes], share_percent=Decimal(50), since=since)]
        elif r < 0.18:
            shares.append(rm.HomeShare(home=home, person=people[max(0, i - 1)], since=since))  # a second home
        else:
            shares.append(rm.HomeShare(home=home, person=people[i], since=since))
    rm.HomeShare.objects.bulk_create(shares, batch_size=5000)
    org = Organisation.objects.create(name=committee.name, kind=OrgKind.OWNERS_COMMITTEE, owners_committee=committee)
    member = User.objects.create_user(username="bench-votes-member", password="x")
    Membership.objects.create(user=member, organisation=org, role=Role.COMMITTEE_MEMBER)
    return area, member


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--homes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50, help="owners casting at the same moment")
    parser.add_argument("--database-url", nargs="?", const=DEFAULT_URL)
    args = parser.parse_args()
    url, pg = database(args.database_url or DEFAULT_URL)
    if not pg:
        sys.exit("this bench runs on PostgreSQL (--database-url)")
    recreate(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection, connections, transaction
    from django.db.models import Count, Sum
    from django.utils import timezone

    from fangguan.accounts.models import User
    from fangguan.core.db import analyze
    from fangguan.demo import load_all
    from fangguan.registry import models as rm
    from fangguan.votes import electorate, services
    from fangguan.votes.models import Ballot, Voter
    from fangguan.votes.selectors import latest_ballots, result_for

    call_command("migrate", verbosity=0)
    load_all(homes="sample")
    rng = random.Random(15)
    area, member = build_estate(args.homes, rng)
    analyze()
    now = timezone.now()

    def draft():
        return services.vote_create(actor=member, area=area, matter="manager", title="基准", scope_kind="area",
                                    scope={}, opens_at=now - dt.timedelta(minutes=1), closes_at=now + dt.timedelta(days=1))

    # the service and its bare statements alternate, so both see the same table sizes and load
    open_times, bare_open = [], []
    drafts = []
    for _ in range(args.runs + 1):
        a, b = draft(), draft()
        start = time.perf_counter()
        services.act(member, a, "open")
        open_times.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        with transaction.atomic():
            electorate.freeze(b, timezone.localdate())
        bare_open.append((time.perf_counter() - start) * 1000)
        drafts.append(a)
    open_times, bare_open = open_times[1:], bare_open[1:]  # the first of each warms up
    vote = drafts[-1]
    vote.refresh_from_db()

    # every owner votes (a few twice), as paper ballots entered in bulk
    voters = list(Voter.objects.filter(vote=vote).order_by("pk"))
    Ballot.objects.bulk_create([
        Ballot(vote=vote, voter=v, seq=1, choice=rng.choice(["yes", "yes", "no", "abstain"]), channel="paper",
               cast_by=member, at=now) for v in voters], batch_size=5000)
    analyze()
    admin = User.objects.get(username="admin")
    count_times = measure(lambda: (services.figures_of(vote), services.ballots_digest(vote)), args.runs)
    cutoff = vote.closes_at
    bare_count_sql, bare_params = (latest_ballots(vote, cutoff).values("choice").order_by()
                                   .annotate(a=Sum("voter__area_m2"),
                                             o=Count("voter")).query.sql_with_params())

    rows_sql, rows_params = (Ballot.objects.filter(vote=vote, at__lt=cutoff).order_by("voter__key", "seq")
                             .values_list("voter__key", "seq", "choice", "channel", "at").query.sql_with_params())

    def bare_count():
        """The two statements the count needs: the tally by choice and every ballot for the digest."""
        with connection.cursor() as cursor:
            cursor.execute(bare_count_sql, bare_params)
            cursor.fetchall()
            cursor.execute(rows_sql, rows_params)
            cursor.fetchall()

    def bare_tally():
        with connection.cursor() as cursor:
            cursor.execute(bare_count_sql, bare_params)
            cursor.fetchall()

    bare_count_times = measure(bare_count, args.runs)
    bare_tally_times = measure(bare_tally, args.runs)
    read_times = measure(lambda: result_for(admin, vote), args.runs)

    # owners casting at the same moment: accounts for the first ``clients`` owners of a fresh vote
    fresh = draft()
    services.act(member, fresh, "open")
    from django.db.models import Count

    from fangguan.votes.models import VoterPerson

    single = (VoterPerson.objects.filter(vote=fresh, person__kind="natural").values("person_id")
              .annotate(n=Count("voter")).filter(n=1).order_by("person_id").values_list("person_id", flat=True))
    people = list(rm.Person.objects.filter(pk__in=list(single[: args.clients])))  # owners of one ballot each
    users = []
    for p in people:
        u = User.objects.create_user(username=f"bench-voter-{p.pk}", password="x")
        rm.Person.objects.filter(pk=p.pk).update(user=u)
        users.append(u.pk)
    connections.close_all()
    barrier, errors, spans = threading.Barrier(len(users)), [], []

    def cast(user_id):
        from fangguan.votes.models import Vote

        try:
            user, v = User.objects.get(pk=user_id), Vote.objects.get(pk=fresh.pk)
            barrier.wait()
            start = time.perf_counter()
            services.act(user, v, "cast", choice="yes")
            spans.append((start, time.perf_counter()))
        except Exception as exc:  # noqa: BLE001 - counted and printed
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cast, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = (max(e for _s, e in spans) - min(s for s, _e in spans)) * 1000 if spans else 0
    stored = Ballot.objects.filter(vote=fresh).count()
    distinct = Ballot.objects.filter(vote=fresh).values("voter").distinct().count()

    size = Voter.objects.filter(vote=vote).count()
    print(f"# votes bench — {platform.node()}, load {os.getloadavg()[0]:.1f}, PostgreSQL, "
          f"{args.homes} homes / {size} owners, {args.runs} runs")
    print(f"{'operation':<44} {'p50':>9} {'p95':>9} {'p99':>9} {'bare p50':>9} {'ratio':>6}")
    for name, times, bare in (("open a vote (freeze the electorate)", open_times, bare_open),
                              (f"count the result over {size} ballots", count_times, bare_count_times),
                              ("read the result of an open vote", read_times, bare_tally_times)):
        p50, p95, p99 = pct(times)
        b50 = pct(bare)[0]
        print(f"{name:<44} {p50:9.1f} {p95:9.1f} {p99:9.1f} {b50:9.1f} {p50 / b50:6.1f}")
    print(f"{len(users)} owners casting at once: {len(spans)} done in {wall:.0f} ms "
          f"({len(spans) / (wall / 1000) if wall else 0:.0f} ballots/s); stored {stored}, "
          f"distinct owners {distinct}, errors {len(errors)} {errors[:3]}")


if __name__ == "__main__":
    main()
