"""The re-collection clock run at chosen instants (Shanghai 2020 rules Art. 65 ¶3: below 30% → 90
days for the assembly → owners top up to 50% within 90 days), and statements whose figures equal
our own sums of the entries, published once, by the committee or its bookkeeper only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from fangguan.core.actors import system_actor
from fangguan.core.machine import ActionConflict
from fangguan.funds import ledger, selectors, services
from fangguan.funds.models import Recollection, Statement

pytestmark = pytest.mark.django_db

D0 = dt.date(2025, 1, 10)


def drain(world, room, keep_fen, key, on=D0):
    account = world.account(room)
    ledger.post(actor=system_actor(), key=key, kind="charge", on=on,
                entries=[(account.pk, account.balance_fen - keep_fen), (world.bank.pk, keep_fen - account.balance_fen)])


def test_the_clock_at_its_boundaries(world):
    drain(world, "101", 168000, "d1")  # exactly 30% of 560 000: not below the line
    assert services.recollection_tick(today=D0)["opened"] == 0
    drain(world, "101", 167999, "d2")  # one fen under 30%
    assert services.recollection_tick(today=D0)["opened"] == 1
    case = Recollection.objects.get(estate=world.estate)
    assert case.decide_by == D0 + dt.timedelta(days=90) == dt.date(2025, 4, 10)
    services.recollection_tick(today=dt.date(2025, 4, 10))  # the last day of the assembly's 90
    case.refresh_from_db()
    assert case.status == "awaiting"
    services.recollection_tick(today=dt.date(2025, 4, 11))
    case.refresh_from_db()
    assert case.status == "notified" and case.top_up_by == dt.date(2025, 7, 10)
    (row,) = selectors.recollection_households(world.users["town"], dt.date(2025, 7, 10))
    assert row["state"] == "due" and row["top_up_fen"] == 280000 - 167999  # to 50% of 560 000
    (row,) = selectors.recollection_households(world.users["town"], dt.date(2025, 7, 11))
    assert row["state"] == "overdue"
    assert selectors.recollection_households(world.users["other_town"], dt.date(2025, 7, 11)) == []
    services.top_up(actor=system_actor(), account=world.account("101"), amount_fen=112001, key="tu")
    services.recollection_tick(today=dt.date(2025, 7, 12))
    case.refresh_from_db()
    assert case.status == "closed"


def test_a_decision_of_the_assembly_stops_the_clock(world):
    drain(world, "301", 1000, "d3")
    services.recollection_tick(today=D0)
    vote = world.vote(sorted(h.pk for h in world.homes.values()), matter="fund_raising")
    services.recollection_tick(today=dt.date.today())
    case = Recollection.objects.get(estate=world.estate)
    assert case.status == "decided" and case.vote_id == vote.pk


def test_a_statement_equals_our_sums(world):
    services.top_up(actor=system_actor(), account=world.account("102"), amount_fen=7000, key="t1",
                    on=dt.date(2025, 2, 1))
    drain(world, "103", 500000, "d4", on=dt.date(2025, 3, 1))
    assert any(row["estate"] == world.estate and row["ledger"] == "fund"
               for row in selectors.late_statements(world.users["bureau"], dt.date(2025, 7, 15)))
    for role in ("ann", "town", "bureau", "other_bookkeeper", "company"):
        with pytest.raises(PermissionDenied):
            services.statement_publish(actor=world.users[role], estate=world.estate, ledger_name="fund",
                                       day=dt.date(2025, 3, 1))
    s = services.statement_publish(actor=world.users["bookkeeper"], estate=world.estate, ledger_name="fund",
                                   day=dt.date(2025, 3, 1))
    assert (s.period_start, s.period_end) == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(-SUM(e.amount_fen), 0) FROM funds_entry e JOIN funds_account a ON a.id = e.account_id "
                       "WHERE a.estate_id = %s AND a.kind = 'home' AND e.\"on\" < %s", [world.estate.pk, s.period_start])
        opening = int(cursor.fetchone()[0])
        cursor.execute("SELECT COALESCE(-SUM(e.amount_fen), 0) FROM funds_entry e JOIN funds_account a ON a.id = e.account_id "
                       "WHERE a.estate_id = %s AND a.kind = 'home' AND e.\"on\" <= %s", [world.estate.pk, s.period_end])
        closing = int(cursor.fetchone()[0])
    assert (s.opening_fen, s.closing_fen) == (opening, closing)
    assert (s.income_fen, s.spending_fen) == (7000, world.account("103").initial_fen - 500000)
    assert {h["owner"] for h in s.households} >= {"A**", "F**"}  # owners masked
    assert sum(h["balance_fen"] for h in s.households) == closing
    with pytest.raises(ActionConflict):
        services.statement_publish(actor=world.users["committee"], estate=world.estate, ledger_name="fund",
                                   day=dt.date(2025, 6, 30))
    assert Statement.objects.visible_to(world.users["fay"]).filter(pk=s.pk).exists()
    assert Statement.objects.visible_to(world.users["neighbourhood"]).filter(pk=s.pk).exists()
    assert not Statement.objects.visible_to(world.users["outsider"]).filter(pk=s.pk).exists()
    assert not Statement.objects.visible_to(world.users["company"]).filter(pk=s.pk).exists()


def _moves(case):
    """The case's status moves as the change log has them: (action, status before, status after, actor)."""
    from fangguan.core.models import ChangeLog

    rows = ChangeLog.objects.filter(object_type__icontains="recollection", object_id=case.pk).order_by("pk")
    return [(r.action, (r.before or {}).get("status"), (r.after or {}).get("status"), r.actor_name) for r in rows]


def test_every_move_of_a_re_collection_case_is_in_the_change_log(world):
    """Opened, owners notified, closed — and decided — each a change-log row by the system actor,
    with the status before and after (a tick that moves nothing writes nothing)."""
    system = system_actor()
    name = system.get_username()
    drain(world, "101", 1000, "d4")
    services.recollection_tick(today=D0)
    case = Recollection.objects.get(estate=world.estate)
    assert _moves(case) == [("create", None, None, name)]
    services.recollection_tick(today=dt.date(2025, 4, 10))  # still the assembly's time: no move, no row
    assert len(_moves(case)) == 1
    services.recollection_tick(today=dt.date(2025, 4, 11))
    assert _moves(case)[1:] == [("update", "awaiting", "notified", name)]
    services.top_up(actor=system, account=world.account("101"), amount_fen=300000, key="tu2")
    services.recollection_tick(today=dt.date(2025, 4, 12))
    assert _moves(case)[2:] == [("update", "notified", "closed", name)]


def test_a_decided_case_is_in_the_change_log(world):
    drain(world, "301", 1000, "d5")
    services.recollection_tick(today=D0)
    vote = world.vote(sorted(h.pk for h in world.homes.values()), matter="fund_raising")
    services.recollection_tick(today=dt.date.today())
    case = Recollection.objects.get(estate=world.estate)
    from fangguan.core.models import ChangeLog

    (row,) = ChangeLog.objects.filter(object_type__icontains="recollection", object_id=case.pk, action="update")
    assert row.before["status"] == "awaiting" and row.after == {"status": "decided", "vote": vote.pk}


def test_a_statements_household_rows_cost_the_same_five_queries_however_many_there_are(world,
                                                                                     django_assert_num_queries):
    """Each household's row is read as values, in the statement's five queries (opening, amounts by
    kind, closing balances, owners, the households in order) — not a query or three model instances
    per household; the rows restated by hand, the balances from our own sum of the entries."""
    from decimal import Decimal

    from django.db.models import Sum

    from fangguan.funds.models import Account, Entry
    from fangguan.registry import models as rm

    start, end = dt.date(2015, 1, 1), dt.date(2015, 6, 30)

    def closing(home):
        s = Entry.objects.filter(account__home=home, on__lte=end).aggregate(s=Sum("amount_fen"))["s"]
        return -(s or 0)

    with django_assert_num_queries(5):
        figures = services.statement_figures(world.estate, "fund", start, end)
    owners = {"101": "A**", "102": "A**", "103": "B*", "201": "D**", "301": "F**", "302": "G**"}
    number = {"101": "1", "102": "1", "103": "1", "201": "1", "301": "2", "302": "2"}
    assert figures["households"] == [{"home": f"{number[r]}号 {r}", "owner": owners[r],
                                      "balance_fen": closing(world.homes[r])} for r in owners]
    # thirty more households: the same five queries
    b3 = rm.Building.objects.create(estate=world.estate, area=world.area, number="3", floors=6)
    rm.Home.objects.bulk_create([rm.Home(building=b3, unit="1", room_number=f"{400 + i}", floor=4,
                                         area_m2=Decimal("60.00")) for i in range(30)])
    services.accounts_open(actor=system_actor(), estate=world.estate)
    assert Account.objects.filter(estate=world.estate, kind="home").count() == 36
    with django_assert_num_queries(5):
        figures = services.statement_figures(world.estate, "fund", start, end)
    assert [h["home"] for h in figures["households"]][6:] == [f"3号 {400 + i}" for i in range(30)]
    assert all(h["balance_fen"] == 0 and h["owner"] == "" for h in figures["households"][6:])
