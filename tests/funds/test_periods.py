"""The stored month balances (``funds.periods``): after any postings — top-ups, charges,
transfers, public revenue, reversals, back-dated and late entries — every stored cell equals the
sum of its month's entries (recounted here from the raw rows, grouped by month in Python), and
the figures by town and estate read from them equal the full pass over the entries, for every
reader and any date; ``rebuild`` and its command give the same cells again."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangguan.accounts.choices import OrgKind, Role
from fangguan.accounts.models import Membership, Organisation
from fangguan.core.actors import system_actor
from fangguan.core.machine import ActionConflict
from fangguan.funds import ledger, periods, selectors, services

from .conftest import build_world

pytestmark = pytest.mark.django_db

READERS = ("bureau", "town", "other_town", "auditor")


def entries_by_month() -> dict[tuple, int]:
    """{(estate, first of month, kind): Σ amount} and {(estate, month, "entries"): n}, from the raw rows."""
    out: dict[tuple, int] = defaultdict(int)
    with connection.cursor() as cursor:
        cursor.execute('SELECT a.estate_id, e."on", a.kind, e.amount_fen FROM funds_entry e '
                       'JOIN funds_account a ON a.id = e.account_id')
        for estate, on, kind, amount in cursor.fetchall():
            on = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on))
            month = dt.date(on.year, on.month, 1)
            out[(estate, month, kind)] += int(amount)
            out[(estate, month, "entries")] += 1
    return {k: v for k, v in out.items() if v}


def stored_cells() -> dict[tuple, int]:
    out = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT estate_id, day, home_fen, bank_fen, revenue_fen, revenue_bank_fen, entries "
                       "FROM funds_monthbalance")
        for estate, day, *amounts in cursor.fetchall():
            day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
            for name, value in zip(("home", "bank", "revenue", "revenue_bank", "entries"), amounts, strict=True):
                if value:
                    out[(estate, day, name)] = int(value)
    return out


def assert_cells_are_sums():
    assert stored_cells() == entries_by_month()


def assert_figures_equal_the_full_pass(users, days):
    for role in users:
        for day in days:
            for group_by in ("town", "estate"):
                fast = selectors.fund_figures(users[role], group_by=group_by, as_of=day)
                assert fast == selectors.fund_figures_full(users[role], group_by=group_by, as_of=day), (role, day)


def held_by_sql(estate_id: int, day: dt.date) -> int:
    with connection.cursor() as cursor:
        cursor.execute('SELECT COALESCE(SUM(e.amount_fen), 0) FROM funds_entry e JOIN funds_account a '
                       'ON a.id = e.account_id WHERE a.estate_id = %s AND a.kind = %s AND e."on" <= %s',
                       [estate_id, "home", day])
        return -int(cursor.fetchone()[0])


DAYS = st.dates(dt.date(2014, 1, 1), dt.date(2031, 12, 31))
STEP = st.tuples(st.sampled_from(["top_up", "charge", "transfer", "revenue", "reverse"]), st.integers(1, 400000),
                 st.integers(0, 5), DAYS)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=10), asked=st.lists(DAYS, min_size=1, max_size=3))
def test_stored_balances_equal_the_sum_of_entries_and_the_figures_the_full_pass(steps, asked):
    with transaction.atomic():
        world = build_world()
        system = system_actor()
        rooms = sorted(world.homes)
        bank = world.bank.pk
        done = []
        for i, (kind, amount, pick, on) in enumerate(steps):  # dates in any order: back-dated and late entries
            account = world.account(rooms[pick]).pk
            try:
                if kind == "top_up":
                    done.append(ledger.post(actor=system, key=f"p{i}", kind="top_up", on=on,
                                            entries=[(bank, amount), (account, -amount)]))
                elif kind == "charge":
                    done.append(ledger.post(actor=system, key=f"p{i}", kind="charge", on=on,
                                            entries=[(account, amount), (bank, -amount)]))
                elif kind == "transfer":
                    other = world.account(rooms[(pick + 1) % len(rooms)]).pk
                    done.append(ledger.post(actor=system, key=f"p{i}", kind="adjustment", on=on,
                                            entries=[(account, amount), (other, -amount)]))
                elif kind == "revenue":
                    services.revenue_record(actor=system, area=world.area, kind="revenue_income", amount_fen=amount,
                                            key=f"p{i}a", on=on)
                    done.append(services.revenue_transfer(actor=system, area=world.area, amount_fen=amount,
                                                          key=f"p{i}", on=on))
                elif kind == "reverse" and done:
                    ledger.reverse(actor=system, posting=done.pop(pick % len(done)), reason="test", on=on)
            except (ValidationError, ActionConflict):
                pass  # refused (a household short, a reversal of a reversal): nothing written, checked below
            assert_cells_are_sums()
        first = dt.date(asked[0].year, asked[0].month, 1)
        days = [*asked, first, first - dt.timedelta(days=1)]
        assert_figures_equal_the_full_pass({r: world.users[r] for r in READERS}, days)
        for day in days:
            row = next(g for g in selectors.fund_figures(world.users["bureau"], group_by="estate", as_of=day)["items"]
                       if g["id"] == world.estate.pk)
            assert row["fund_fen"] == held_by_sql(world.estate.pk, day)
        transaction.set_rollback(True)


def test_staff_who_also_own_a_home_elsewhere_get_the_full_pass_figures(world):
    """A town officer of the estate's town who also owns a home in another town sees that one
    account of the other estate: its part comes from its entries, not from its estate's cells."""
    outsider = world.users["outsider"]
    office = Organisation.objects.get(kind=OrgKind.TOWN_OFFICE, town=world.estate.town, name="镇房办")
    Membership.objects.create(user=outsider, organisation=office, role=Role.TOWN_OFFICER)
    services.top_up(actor=system_actor(), account=world.account("101"), amount_fen=12345, key="mixed")
    today = dt.date.today()
    assert_figures_equal_the_full_pass({"outsider": outsider}, [today, today.replace(day=1), dt.date(2016, 3, 1)])
    other = next(g for g in selectors.fund_figures(outsider, group_by="estate")["items"]
                 if g["id"] == world.other_estate.pk)
    assert other["households"] == 1  # only the own home of the other estate


def test_rebuild_and_its_command_give_the_same_cells(world):
    services.top_up(actor=system_actor(), account=world.account("102"), amount_fen=500, key="rb",)
    kept = stored_cells()
    assert kept == entries_by_month()
    assert periods.rebuild() > 0
    assert stored_cells() == kept
    from fangguan.funds.models import MonthBalance

    MonthBalance.objects.all().delete()  # data from before the cells existed
    assert stored_cells() == {}
    call_command("rebuild_fund_balances", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert stored_cells() == kept


def test_the_demo_leaves_the_stored_balances_equal_to_the_entries(db):
    """The session's demo (its deposits and interest through the services, then ``rebuild``)."""
    assert entries_by_month()  # the demo posted something
    assert_cells_are_sums()
