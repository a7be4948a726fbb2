"""Fifty owners casting at the same moment, and owners casting twice at once, on PostgreSQL: every
ballot is kept exactly once, each owner's ballots are numbered 1, 2 … without a gap or a double,
and the count is right. Runs on fresh connections (committed rows); the rows are removed after."""

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

OWNERS = 50
TWICE = 10  # owners who send two ballots at the same moment




def build():
    from django.utils import timezone

    from fangguan.accounts.choices import OrgKind, Role
    from fangguan.accounts.models import Membership, Organisation, User
    from fangguan.registry import models as rm
    from fangguan.votes import services

    town = rm.Town.objects.order_by("pk").first()
    estate = rm.Estate.objects.create(code="VT-CONC", name="并发表决小区", town=town, estate_type="commercial",
                                      floor_area_m2=Decimal("5000.00"))
    area = rm.ManagementArea.objects.create(estate=estate, code="VT-CONC-A", name="并发表决小区")
    committee = rm.OwnersCommittee.objects.create(area=area, name="并发表决小区业委会", established_on=dt.date(2020, 1, 1))
    building = rm.Building.objects.create(estate=estate, area=area, number="1", floors=10)
    org = Organisation.objects.create(name=committee.name, kind=OrgKind.OWNERS_COMMITTEE, owners_committee=committee)
    member = User.objects.create_user(username="vtc-member", password="x")
    Membership.objects.create(user=member, organisation=org, role=Role.COMMITTEE_MEMBER)
    users = []
    for i in range(OWNERS):
        home = rm.Home.objects.create(building=building, room_number=f"{i + 1:03d}", floor=1 + i // 5,
                                      area_m2=Decimal("100.00"))
        user = User.objects.create_user(username=f"vtc-{i}", password="x")
        person = rm.Person.objects.create(name=f"业主{i}", user=user)
        rm.HomeShare.objects.create(home=home, person=person, since=dt.date(2020, 1, 1))
        users.append(user.pk)
    now = timezone.now()
    vote = services.vote_create(actor=member, area=area, matter="manager", title="并发", scope_kind="area", scope={},
                                opens_at=now - dt.timedelta(minutes=1), closes_at=now + dt.timedelta(days=1))
    services.act(member, vote, "open")
    return vote.pk, users


def cast(vote_id, user_id, choice, barrier):
    from fangguan.accounts.models import User
    from fangguan.votes import services
    from fangguan.votes.models import Vote

    close_old_connections()
    user, vote = User.objects.get(pk=user_id), Vote.objects.get(pk=vote_id)
    barrier.wait()
    services.act(user, vote, "cast", choice=choice)


def check(vote_id):
    from django.utils import timezone

    from fangguan.votes.models import Ballot
    from fangguan.votes.selectors import tallies

    seqs: dict[int, list[int]] = {}
    for voter, seq in Ballot.objects.filter(vote_id=vote_id).values_list("voter_id", "seq"):
        seqs.setdefault(voter, []).append(seq)
    from fangguan.votes.models import Vote

    return seqs, tallies(Vote.objects.get(pk=vote_id), timezone.now() + dt.timedelta(seconds=1))


def cleanup(vote_id, user_ids):
    from fangguan.accounts.models import Membership, Organisation, User
    from fangguan.core.triggers import create_append_only, drop_append_only
    from fangguan.notifications.models import Notification
    from fangguan.outbox.models import OutboxEvent
    from fangguan.registry import models as rm
    from fangguan.votes import models as vm

    member = User.objects.get(username="vtc-member")
    tables = ("votes_ballot", "votes_voteresult")
    for table in tables:
        drop_append_only(connection, table)
    try:
        vm.Ballot.objects.filter(vote_id=vote_id).delete()
        for model in (vm.VoterPerson, vm.ElectorHome):
            model.objects.filter(vote_id=vote_id).delete()
        vm.Voter.objects.filter(vote_id=vote_id).delete()
        vm.VoteEvent.objects.filter(vote_id=vote_id).delete()
        vm.Vote.objects.filter(pk=vote_id).delete()
    finally:
        for table in tables:
            create_append_only(connection, table)
    OutboxEvent.objects.filter(aggregate_type="votes.vote", aggregate_id=str(vote_id)).delete()
    Notification.objects.filter(recipient_id__in=[*user_ids, member.pk]).delete()
    rm.HomeShare.objects.filter(home__building__estate__code="VT-CONC").delete()
    rm.Home.objects.filter(building__estate__code="VT-CONC").delete()
    rm.Person.objects.filter(user_id__in=user_ids).delete()
    rm.Building.objects.filter(estate__code="VT-CONC").delete()
    Membership.objects.filter(user=member).delete()
    Organisation.objects.filter(owners_committee__area__estate__code="VT-CONC").delete()
    rm.OwnersCommittee.objects.filter(area__estate__code="VT-CONC").delete()
    rm.ManagementArea.objects.filter(estate__code="VT-CONC").delete()
    rm.Estate.objects.filter(code="VT-CONC").delete()
    User.objects.filter(pk__in=[*user_ids, member.pk]).delete()


def test_fifty_owners_at_once_and_double_clicks_lose_nothing():
    vote_id, users = in_thread(build)
    try:
        jobs = [(u, "yes" if i % 3 else "no") for i, u in enumerate(users)]
        jobs += [(u, "abstain") for u in users[:TWICE]]  # the same owners, a second ballot at the same moment
        barrier = threading.Barrier(len(jobs))
        errors: list = []

        def run(user_id, choice):
            try:
                cast(vote_id, user_id, choice, barrier)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=job) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        seqs, by_choice = in_thread(check, vote_id)
        assert len(seqs) == OWNERS  # every owner's ballot, none lost
        assert sorted(len(s) for s in seqs.values()) == [1] * (OWNERS - TWICE) + [2] * TWICE
        assert all(sorted(s) == list(range(1, len(s) + 1)) for s in seqs.values())  # no gap, no double
        total = by_choice["yes"] + by_choice["no"] + by_choice["abstain"]
        assert total.owners == OWNERS and total.area == Decimal("5000.00")
    finally:
        in_thread(cleanup, vote_id, users)
