"""The thresholds at and either side of each boundary, for both rule families of Civil Code
Art. 278 ¶2 (and the 2024 lift rule), in exact arithmetic. The oracle restates each condition
by cross-multiplying integers (areas in fen of ㎡, i.e. hundredths) — no Fractions, no floats."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangguan.votes.counting import Tally, Thresholds, decide

ORDINARY = Thresholds(Fraction(2, 3), Fraction(2, 3), Fraction(1, 2), Fraction(1, 2), strict=True)
SPECIAL = Thresholds(Fraction(2, 3), Fraction(2, 3), Fraction(3, 4), Fraction(3, 4), strict=False)


def t(area: str, owners: int) -> Tally:
    return Tally(Decimal(area), owners)


def test_exactly_two_thirds_takes_part_and_one_hundredth_less_does_not():
    eligible = t("300.00", 3)
    assert decide(ORDINARY, eligible, t("200.00", 2), t("0.00", 0), t("0.00", 0)).quorum_met
    assert not decide(ORDINARY, eligible, t("199.99", 2), t("0.00", 0), t("0.00", 0)).quorum_met
    assert decide(ORDINARY, eligible, t("200.01", 2), t("0.00", 0), t("0.00", 0)).quorum_met
    # the headcount too: 2 of 3 owners is exactly two thirds; 1 of 3 is not
    assert not decide(ORDINARY, eligible, t("300.00", 1), t("0.00", 0), t("0.00", 0)).quorum_met


def test_an_ordinary_matter_needs_more_than_half_exactly_half_is_not_enough():
    eligible = t("400.00", 4)
    assert not decide(ORDINARY, eligible, t("200.00", 2), t("200.00", 2), t("0.00", 0)).passed  # exactly 1/2
    assert decide(ORDINARY, eligible, t("200.01", 3), t("199.99", 1), t("0.00", 0)).passed
    # more than half of the area but exactly half of the owners: not passed
    assert not decide(ORDINARY, eligible, t("300.00", 2), t("100.00", 2), t("0.00", 0)).passed


def test_a_special_matter_passes_with_exactly_three_quarters_and_not_with_less():
    eligible = t("400.00", 4)
    assert decide(SPECIAL, eligible, t("300.00", 3), t("100.00", 1), t("0.00", 0)).passed
    assert not decide(SPECIAL, eligible, t("299.99", 3), t("100.01", 1), t("0.00", 0)).passed
    assert not decide(SPECIAL, t("800.00", 8), t("600.00", 5), t("200.00", 3), t("0.00", 0)).passed  # 5/8 owners


def test_abstentions_take_part_and_do_not_approve():
    eligible = t("300.00", 3)
    out = decide(ORDINARY, eligible, t("100.00", 1), t("0.00", 0), t("100.00", 1))
    assert out.quorum_met and out.participating == t("200.00", 2)
    assert not out.passed  # 1 of 2 participating owners: exactly half


def test_without_quorum_nothing_passes_and_nothing_of_nothing_is_a_share():
    assert not decide(ORDINARY, t("300.00", 3), t("150.00", 1), t("0.00", 0), t("0.00", 0)).passed
    empty = decide(ORDINARY, t("0.00", 0), t("0.00", 0), t("0.00", 0), t("0.00", 0))
    assert not empty.quorum_met and not empty.passed


def oracle(rule, eligible, yes, no, abstain):
    """The statute's words restated with integers only."""
    p_area = int((yes.area + no.area + abstain.area) * 100)
    p_owners = yes.owners + no.owners + abstain.owners
    e_area = int(eligible.area * 100)

    def share(x) -> tuple[int, int]:
        return x.numerator, x.denominator

    qa, qo, aa, ao = (share(rule.quorum_area), share(rule.quorum_owners), share(rule.approval_area),
                      share(rule.approval_owners))
    quorum = (e_area > 0 and p_area * qa[1] >= qa[0] * e_area
              and eligible.owners > 0 and p_owners * qo[1] >= qo[0] * eligible.owners)
    y_area = int(yes.area * 100)
    if rule.strict:
        ok = p_area > 0 and y_area * aa[1] > aa[0] * p_area and yes.owners * ao[1] > ao[0] * p_owners
    else:
        ok = p_area > 0 and y_area * aa[1] >= aa[0] * p_area and yes.owners * ao[1] >= ao[0] * p_owners
    return quorum, quorum and ok


areas = st.integers(min_value=0, max_value=50_000).map(lambda n: Decimal(n) / 100)


@given(st.lists(st.tuples(areas, st.sampled_from(["yes", "no", "abstain", None])), min_size=1, max_size=30),
       st.sampled_from([ORDINARY, SPECIAL]))
def test_any_electorate_is_decided_as_the_statute_says(owners, rule):
    eligible = Tally(sum((a for a, _c in owners), Decimal("0")), len(owners))
    by = {c: Tally(sum((a for a, x in owners if x == c), Decimal("0")), sum(1 for _a, x in owners if x == c))
          for c in ("yes", "no", "abstain")}
    out = decide(rule, eligible, by["yes"], by["no"], by["abstain"])
    assert (out.quorum_met, out.passed) == oracle(rule, eligible, by["yes"], by["no"], by["abstain"])


@pytest.mark.django_db
def test_the_rules_in_force_are_the_statutes():
    """The seeded rules, restated: quorum two thirds and two thirds for every family; approval
    more than half (ordinary, a lift on common land) or at least three quarters."""
    import datetime as dt

    from fangguan.votes.models import DecisionRule

    def rule(family, day):
        r = DecisionRule.objects.in_force(family, day)
        return (r.quorum_area, r.quorum_owners, r.approval_area, r.approval_owners, r.approval_strict)

    day = dt.date(2026, 1, 1)
    assert rule("ordinary", day) == ("2/3", "2/3", "1/2", "1/2", True)
    assert rule("special", day) == ("2/3", "2/3", "3/4", "3/4", False)
    assert rule("elevator_unit", day) == ("2/3", "2/3", "3/4", "3/4", False)
    assert rule("elevator_common", day) == ("2/3", "2/3", "1/2", "1/2", True)
    assert DecisionRule.objects.in_force("elevator_unit", dt.date(2024, 9, 23)) is None
    assert DecisionRule.objects.in_force("elevator_unit", dt.date(2024, 9, 24)) is not None
