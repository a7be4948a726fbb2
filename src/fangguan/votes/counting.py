"""How a vote is decided — Civil Code Art. 278 ¶2, Shanghai 2020 rules Arts. 18 and 69, and the
2024 lift rule — in exact arithmetic: areas as Decimals with two places, shares as Fractions,
so "exactly two thirds" and "exactly half" come out right.

Participation (quorum): owners holding at least ``quorum_area`` of the electorate's exclusive
area AND at least ``quorum_owners`` of its owners take part (以上: at least). Approval: ``yes``
holds ``approval_area`` of the *participating* area AND ``approval_owners`` of the participating
owners — at least the share (以上), or more than it where the rule is strict (过半数). Abstaining
owners take part and do not approve.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Thresholds:
    quorum_area: Fraction
    quorum_owners: Fraction
    approval_area: Fraction
    approval_owners: Fraction
    strict: bool

    @classmethod
    def of(cls, rule) -> Thresholds:
        return cls(Fraction(rule.quorum_area), Fraction(rule.quorum_owners), Fraction(rule.approval_area),
                   Fraction(rule.approval_owners), rule.approval_strict)


@dataclass(frozen=True)
class Tally:
    area: Decimal = ZERO
    owners: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.area + other.area, self.owners + other.owners)


@dataclass(frozen=True)
class Outcome:
    eligible: Tally
    participating: Tally
    yes: Tally
    no: Tally
    abstain: Tally
    quorum_met: bool
    passed: bool


def at_least(part, whole, share: Fraction) -> bool:
    """part ≥ share × whole, exactly (nothing of nothing is not a share)."""
    return whole > 0 and Fraction(part) >= share * Fraction(whole)


def more_than(part, whole, share: Fraction) -> bool:
    """part > share × whole, exactly."""
    return whole > 0 and Fraction(part) > share * Fraction(whole)


def decide(rule: Thresholds, eligible: Tally, yes: Tally, no: Tally, abstain: Tally) -> Outcome:
    participating = yes + no + abstain
    quorum = (at_least(participating.area, eligible.area, rule.quorum_area)
              and at_least(participating.owners, eligible.owners, rule.quorum_owners))
    approve = more_than if rule.strict else at_least
    approved = (approve(yes.area, participating.area, rule.approval_area)
                and approve(yes.owners, participating.owners, rule.approval_owners))
    return Outcome(eligible, participating, yes, no, abstain, quorum, quorum and approved)
