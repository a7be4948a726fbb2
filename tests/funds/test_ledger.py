"""The ledger: deposits from the parameters in force, balanced idempotent postings, reversals,
balances equal to the sum of entries (read with our own SQL) after every kind of posting, a
balance on any date, shares to the fen, entries the database will not let anyone change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangguan.core.actors import system_actor
from fangguan.core.machine import ActionConflict
from fangguan.funds import ledger, services
from fangguan.funds.models import Account, Entry, FundRule, Posting

from .conftest import DELIVERED, build_world

pytestmark = pytest.mark.django_db


def sums_by_sql() -> dict[int, int]:
    """Σ entries per account, straight from the table (the oracle: not the ORM's aggregate)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_id, SUM(amount_fen) FROM funds_entry GROUP BY account_id")
        return {a: int(s) for a, s in cursor.fetchall()}


def assert_balances_are_sums():
    sums = sums_by_sql()
    for account in Account.objects.all():
        sign = -1 if account.kind in ("home", "revenue") else 1
        assert account.balance_fen == sign * sums.get(account.pk, 0), account
    with connection.cursor() as cursor:  # every posting balances
        cursor.execute("SELECT posting_id FROM funds_entry GROUP BY posting_id HAVING SUM(amount_fen) <> 0")
        assert cursor.fetchall() == []


def test_initial_deposits_follow_the_shares_of_the_cost_price(world):
    # 160 000 fen per ㎡ (the seeded stand-in). With a lift 4% + 3%; without 3% + 2%.
    assert world.account("101").initial_fen == 50 * 160000 * 7 // 100 == 560000
    assert world.account("102").initial_fen == 70 * 1600_00 * 7 // 100
    assert world.account("301").initial_fen == 604000  # 75.50 ㎡ × 1600 yuan × 5% = 6040.00 yuan
    assert world.account("302").initial_fen == 516000  # 64.50 × 1600 × 5%
    assert world.account("101").balance_fen == 560000
    assert world.bank.balance_fen == sum(world.account(r).initial_fen for r in world.homes)
    assert_balances_are_sums()


def test_the_parameters_in_force_on_the_delivery_date(world):
    base = FundRule.objects.get(effective_from=dt.date(2010, 1, 1))
    newer = FundRule.objects.get(pk=base.pk)
    newer.pk, newer.effective_from, newer.cost_price_fen_per_m2 = None, dt.date(2020, 1, 1), 200000
    newer.save()
    account = world.account("101")
    assert services.deposit_due(account, FundRule.objects.in_force(dt.date(2019, 12, 31))) == (320000, 240000)
    assert services.deposit_due(account, FundRule.objects.in_force(dt.date(2020, 1, 1))) == (400000, 300000)


def test_sold_public_housing_buyer_and_seller_shares(world):
    rule = FundRule.objects.in_force(DELIVERED)
    account = world.account("301")
    account.building_class = "sold_public_multi"
    # buyer 1.5% of the cost price × area; seller 6% of the proceeds (500 000.00 yuan)
    assert services.deposit_due(account, rule, proceeds_fen=50_000_000) == (3_000_000, 181200)
    account.building_class = "sold_public_high"
    assert services.deposit_due(account, rule, proceeds_fen=50_000_000) == (6_000_000, 181200)


def test_apportion_a_thousand_yuan_over_three_equal_homes():
    parts = ledger.apportion(100000, {"a": Decimal("80.00"), "b": Decimal("80.00"), "c": Decimal("80.00")})
    assert parts == {"a": 33334, "b": 33333, "c": 33333}
    assert ledger.apportion(-100000, {"a": 1, "b": 1, "c": 1}) == {"a": -33334, "b": -33333, "c": -33333}


def test_apportion_odd_areas_by_hand():
    # 1000 fen over 50.00 / 70.00 / 80.00: exact 250, 350, 400 — no remainder
    assert ledger.apportion(1000, {1: Decimal("50"), 2: Decimal("70"), 3: Decimal("80")}) == {1: 250, 2: 350, 3: 400}
    # 100 fen over 75.50 / 64.50 / 100: exact 31.458…, 26.875, 41.666… → floors 31, 26, 41 (98); the two
    # largest remainders (.875, .666…) get one fen each
    assert ledger.apportion(100, {1: Decimal("75.50"), 2: Decimal("64.50"), 3: Decimal("100")}) == {1: 31, 2: 27, 3: 42}


@given(total=st.integers(0, 10**12), areas=st.lists(st.decimals("0.01", "9999.99", places=2), min_size=1, max_size=40))
def test_apportion_always_adds_up_and_stays_within_a_fen(total, areas):
    weights = dict(enumerate(areas))
    parts = ledger.apportion(total, weights)
    assert sum(parts.values()) == total
    whole = sum(Fraction(a) for a in areas)
    for k, part in parts.items():
        assert abs(part - Fraction(total) * Fraction(weights[k]) / whole) < 1


def test_an_unbalanced_posting_is_refused_and_changes_nothing(world):
    before = sums_by_sql(), Posting.objects.count()
    with pytest.raises(ValidationError):
        ledger.post(actor=system_actor(), key="bad", kind="adjustment",
                    entries=[(world.bank.pk, 100), (world.account("101").pk, -99)])
    with pytest.raises(ValidationError):
        ledger.post(actor=system_actor(), key="bad", kind="adjustment", entries=[(world.bank.pk, 1.5),
                                                                                 (world.account("101").pk, -1.5)])
    assert (sums_by_sql(), Posting.objects.count()) == before


def test_postings_are_idempotent_on_their_key(world):
    system = system_actor()
    first = services.top_up(actor=system, account=world.account("101"), amount_fen=1000, key="tu-1")
    again = services.top_up(actor=system, account=world.account("101"), amount_fen=1000, key="tu-1")
    assert again.pk == first.pk and Entry.objects.filter(posting=first).count() == 2
    assert world.account("101").balance_fen == 561000
    with pytest.raises(ActionConflict):
        services.top_up(actor=system, account=world.account("101"), amount_fen=999, key="tu-1")


def test_no_household_goes_below_zero(world):
    before = sums_by_sql()
    with pytest.raises(ValidationError):
        ledger.post(actor=system_actor(), key="over", kind="charge",
                    entries=[(world.account("101").pk, 560001), (world.bank.pk, -560001)])
    assert sums_by_sql() == before


def test_a_posting_stays_in_one_estate_and_its_ledger(world):
    other = services.bank_of(world.other_estate.pk)
    with pytest.raises(ValidationError):
        ledger.post(actor=system_actor(), key="x-estate", kind="adjustment",
                    entries=[(other.pk, 100), (world.account("101").pk, -100)])
    with pytest.raises(ValidationError):  # fund kinds never touch the revenue ledger
        ledger.post(actor=system_actor(), key="x-ledger", kind="top_up",
                    entries=[(world.revenue.pk, 100), (world.account("101").pk, -100)])


def test_a_reversal_mirrors_the_posting_and_only_once(world):
    system = system_actor()
    posting = services.top_up(actor=system, account=world.account("102"), amount_fen=5000, key="tu-r")
    reversal = ledger.reverse(actor=system, posting=posting, reason="录错金额")
    assert sorted(reversal.entries.values_list("account_id", "amount_fen")) == sorted(
        (a, -x) for a, x in posting.entries.values_list("account_id", "amount_fen"))
    assert world.account("102").balance_fen == world.account("102").initial_fen
    with pytest.raises(ActionConflict):
        ledger.reverse(actor=system, posting=posting, reason="again")
    with pytest.raises(ValidationError):
        ledger.reverse(actor=system, posting=reversal, reason="back")
    assert_balances_are_sums()


def test_permission_is_checked_before_anything_about_the_posting_is_told(world):
    """Someone who may not reverse is refused with 403 — not told that the posting is already
    reversed, is itself a reversal, or needs a reason — and nothing changes."""
    system = system_actor()
    posting = services.top_up(actor=system, account=world.account("102"), amount_fen=5000, key="tu-perm")
    reversal = ledger.reverse(actor=system, posting=posting, reason="录错金额")
    fresh = services.top_up(actor=system, account=world.account("102"), amount_fen=700, key="tu-perm-2")
    before = (Posting.objects.count(), sums_by_sql())
    for role in ("ann", "committee", "bookkeeper", "town", "auditor", "outsider"):
        user = world.users[role]
        for target, reason in ((posting, "again"), (reversal, "back"), (fresh, ""), (fresh, "重复")):
            with pytest.raises(PermissionDenied):
                ledger.reverse(actor=user, posting=target, reason=reason)
    assert (Posting.objects.count(), sums_by_sql()) == before
    with pytest.raises(ActionConflict):  # who may reverse still learns it is done already
        ledger.reverse(actor=world.users["bureau"], posting=posting, reason="again")
    assert (Posting.objects.count(), sums_by_sql()) == before


def test_entries_and_postings_cannot_be_changed_even_with_sql(world):
    for sql in ("UPDATE funds_entry SET amount_fen = amount_fen + 1", "DELETE FROM funds_entry",
                "UPDATE funds_posting SET memo = 'x'", "DELETE FROM funds_posting"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert_balances_are_sums()


def test_balance_on_any_date(world):
    system = system_actor()
    account = world.account("103")
    services.top_up(actor=system, account=account, amount_fen=700, key="d1", on=dt.date(2020, 1, 1))
    services.top_up(actor=system, account=account, amount_fen=300, key="d2", on=dt.date(2021, 1, 1))
    for day in (DELIVERED - dt.timedelta(days=1), DELIVERED, dt.date(2019, 12, 31), dt.date(2020, 1, 1),
                dt.date(2021, 1, 1), dt.date(2030, 1, 1)):
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(SUM(amount_fen), 0) FROM funds_entry WHERE account_id = %s AND \"on\" <= %s",
                           [account.pk, day])
            expected = -int(cursor.fetchone()[0])
        assert services.balances_on([account.pk], day).get(account.pk, 0) == expected


def test_interest_is_allocated_in_proportion_to_balances(world):
    total = 12345
    before = {r: world.account(r).balance_fen for r in world.homes}
    services.interest_allocate(actor=system_actor(), estate=world.estate, total_fen=total, on=dt.date(2016, 6, 30),
                               key="int-2016")
    gained = {r: world.account(r).balance_fen - before[r] for r in world.homes}
    assert sum(gained.values()) == total
    whole = sum(before.values())
    for r in world.homes:
        assert abs(gained[r] - Fraction(total * before[r], whole)) < 1
    assert_balances_are_sums()


def test_public_revenue_kept_apart_and_more_than_half_goes_into_the_fund(world):
    system = system_actor()
    on = dt.date(2024, 2, 10)
    services.revenue_record(actor=system, area=world.area, kind="revenue_income", amount_fen=100000, key="rv-1", on=on)
    services.revenue_record(actor=system, area=world.area, kind="revenue_cost", amount_fen=20000, key="rv-2", on=on)
    assert world.revenue.balance_fen == 80000
    assert services.quarter_net_revenue(world.area, dt.date(2024, 3, 31)) == 80000
    homes_before = sum(world.account(r).balance_fen for r in world.homes)
    with pytest.raises(ValidationError):  # exactly 50% is not more than 50%
        services.revenue_transfer(actor=system, area=world.area, amount_fen=40000, key="tr", on=dt.date(2024, 3, 31))
    services.revenue_transfer(actor=system, area=world.area, amount_fen=40001, key="tr", on=dt.date(2024, 3, 31))
    assert world.revenue.balance_fen == 39999
    assert sum(world.account(r).balance_fen for r in world.homes) == homes_before + 40001
    assert_balances_are_sums()


def test_refused_posting_by_a_role_changes_nothing(world):
    before = sums_by_sql(), Posting.objects.count()
    for role in ("committee", "bookkeeper", "town", "ann", "other_bookkeeper", "auditor", "it", "company"):
        with pytest.raises(PermissionDenied):
            services.top_up(actor=world.users[role], account=world.account("101"), amount_fen=100, key=f"p-{role}")
    for role in ("other_bookkeeper", "town", "ann", "auditor"):
        with pytest.raises(PermissionDenied):
            services.revenue_record(actor=world.users[role], area=world.area, kind="revenue_income", amount_fen=100,
                                    key=f"r-{role}")
    assert (sums_by_sql(), Posting.objects.count()) == before
    for role in ("committee", "bookkeeper", "bureau"):
        services.revenue_record(actor=world.users[role], area=world.area, kind="revenue_income", amount_fen=100,
                                key=f"r-{role}")


KINDS = st.sampled_from(["top_up", "charge", "interest", "transfer", "reverse", "revenue"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(KINDS, st.integers(1, 400000), st.integers(0, 5)), min_size=1, max_size=12))
def test_balances_equal_the_sum_of_entries_after_any_postings(steps):
    with transaction.atomic():
        world = build_world()
        system = system_actor()
        rooms = sorted(world.homes)
        done = []
        for i, (kind, amount, pick) in enumerate(steps):
            account = world.account(rooms[pick])
            try:
                if kind == "top_up":
                    done.append(services.top_up(actor=system, account=account, amount_fen=amount, key=f"h{i}"))
                elif kind == "charge":
                    done.append(ledger.post(actor=system, key=f"h{i}", kind="charge",
                                            entries=[(account.pk, amount), (world.bank.pk, -amount)]))
                elif kind == "interest":
                    done.append(services.interest_allocate(actor=system, estate=world.estate, total_fen=amount,
                                                           on=dt.date(2030, 1, 1), key=f"h{i}"))
                elif kind == "transfer":  # one household to another (a correction between sub-accounts)
                    other = world.account(rooms[(pick + 1) % len(rooms)])
                    done.append(ledger.post(actor=system, key=f"h{i}", kind="adjustment",
                                            entries=[(account.pk, amount), (other.pk, -amount)]))
                elif kind == "revenue":
                    services.revenue_record(actor=system, area=world.area, kind="revenue_income", amount_fen=amount,
                                            key=f"h{i}a", on=dt.date(2030, 1, 1))
                    done.append(services.revenue_transfer(actor=system, area=world.area, amount_fen=amount,
                                                          key=f"h{i}", on=dt.date(2030, 1, 1)))
                elif kind == "reverse" and done:
                    ledger.reverse(actor=system, posting=done.pop(pick % len(done)), reason="test")
            except (ValidationError, ActionConflict):
                pass  # refused (a household short, a reversal twice): nothing written, checked below
            assert_balances_are_sums()
        transaction.set_rollback(True)
