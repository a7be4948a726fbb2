"""Who sees which books, role by role (a hand-written table): an owner only their own homes'
sub-accounts, a bookkeeping firm only the estates that engaged it, a property company nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from fangguan.funds.models import Account, Engagement, Entry, FundRule, Posting
from fangguan.registry.models import Estate

pytestmark = pytest.mark.django_db

MINE, OTHER, ALL_, NONE = "estate", "other", "all", "none"
# role -> what they see of the fund's accounts
EXPECTED = {
    "bureau": ALL_, "auditor": ALL_, "town": MINE, "other_town": OTHER, "committee": MINE, "bookkeeper": MINE,
    "other_bookkeeper": OTHER, "neighbourhood": NONE, "company": NONE, "it": NONE, "outsider": "outsider_home",
    "ann": "ann_homes", "fay": "fay_home",
}


def test_accounts_each_role_sees(world):
    estate_accounts = set(Account.objects.filter(estate=world.estate).values_list("pk", flat=True))
    other_accounts = set(Account.objects.filter(estate=world.other_estate).values_list("pk", flat=True))
    homes_of = {"ann_homes": {"101", "102"}, "fay_home": {"301"}}
    for role, expected in EXPECTED.items():
        seen = set(Account.objects.visible_to(world.users[role]).values_list("pk", flat=True))
        if expected == ALL_:
            assert estate_accounts | other_accounts <= seen, role
        elif expected == MINE:
            assert seen == estate_accounts, role
        elif expected == OTHER:
            assert other_accounts <= seen and not seen & estate_accounts, role
        elif expected == NONE:
            assert seen == set(), role
        elif expected == "outsider_home":
            assert len(seen) == 1 and not seen & estate_accounts, role
        else:
            assert seen == {world.account(r).pk for r in homes_of[expected]}, role
        entries = set(Entry.objects.visible_to(world.users[role]).values_list("account_id", flat=True))
        assert entries <= seen, role
    assert not Account.objects.visible_to(AnonymousUser()).exists()
    assert not Posting.objects.visible_to(AnonymousUser()).exists()


def test_an_owner_sees_only_the_postings_on_their_own_sub_accounts(world):
    ann = world.users["ann"]
    keys = set(Posting.objects.visible_to(ann).values_list("key", flat=True))
    assert keys == {f"deposit:{world.homes[r].pk}" for r in ("101", "102")}


def test_a_bookkeeping_firm_sees_nothing_else_on_the_platform(world):
    firm = world.users["bookkeeper"]
    assert not Estate.objects.visible_to(firm).exists()
    assert set(Engagement.objects.visible_to(firm).values_list("estate_id", flat=True)) == {world.estate.pk}
    assert FundRule.objects.visible_to(firm).exists()
    assert not FundRule.objects.visible_to(world.users["company"]).exists()
