"""The exhaustive test of a workflow (``core.machine.Machine``), for any module: every state ×
every action of the machine's table × every capacity (plus outsiders and anonymous), each run
through the module's own service in a transaction that is rolled back.

The module states its expectations by hand (``expected``: action -> (who may, {from: to})), so
the table is checked against an independent restatement; the cases are generated from the
machine itself, so an action added to the table and forgotten here fails. Allowed cases must
reach the expected state and write exactly one event; refused ones must raise 403 (not for this
actor) before 409 (not in this state) and change nothing at all (``snapshot`` before and after).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

import pytest
from django.db import transaction

from fangguan.core.machine import ActionConflict, ActionForbidden, Machine

SAME = "same"  # in ``expected``: the action leaves the state as it was


@dataclass
class Outcomes:
    ok: int = 0
    forbidden: int = 0
    conflict: int = 0

    @property
    def total(self) -> int:
        return self.ok + self.forbidden + self.conflict


def check_every_transition(*, machine: Machine, expected: dict, states: Iterable[str], capacities: Iterable[str],
                           record_in: Callable[[str], object], actor: Callable[[str], object],
                           perform: Callable[[object, object, str], object], snapshot: Callable[[object], Hashable],
                           events: Callable[[object], int], prepare: Callable[[object, str], None] | None = None,
                           state_of: Callable[[object], str] = lambda r: r.status,
                           holds: Callable[[str, str], bool] = lambda capacity, state: True) -> Outcomes:
    """Run every case; ``record_in(state)`` gives a record in that state, ``actor(capacity)`` the
    user acting in that capacity (a capacity no transition names is an outsider: always 403),
    ``perform(user, record, action)`` the module's service call, ``events(record)`` its number of
    events, ``prepare(record, action)`` what an action needs to find (inside the transaction),
    ``holds(capacity, state)`` whether a capacity exists in a state at all (an owner becomes an
    elector when a vote opens): where it does not, the user is an outsider there (403)."""
    assert set(expected) == set(machine.actions), "the restatement must cover every action of the table"
    for action, (who, moves) in expected.items():
        transition = machine.table[action]
        assert set(transition.who) == set(who), f"{action}: who may"
        assert set(transition.moves) == set(moves), f"{action}: from which states"
    states, capacities = list(states), list(capacities)
    records = {state: record_in(state) for state in states}
    outcomes = Outcomes()
    for state, record in records.items():
        for action, (who, moves) in expected.items():
            for capacity in capacities:
                case = f"{state} / {action} / {capacity}"
                with transaction.atomic():
                    if prepare is not None:
                        prepare(record, action)
                    before, before_events = snapshot(record), events(record)
                    user = actor(capacity)
                    if capacity not in who or not holds(capacity, state):
                        with pytest.raises(ActionForbidden):
                            perform(user, record, action)
                        assert snapshot(record) == before, f"{case}: changed although refused (403)"
                        outcomes.forbidden += 1
                    elif state not in moves:
                        with pytest.raises(ActionConflict):
                            perform(user, record, action)
                        assert snapshot(record) == before, f"{case}: changed although refused (409)"
                        outcomes.conflict += 1
                    else:
                        after = perform(user, record, action)
                        target = state if moves[state] == SAME else moves[state]
                        assert state_of(after) == target, case
                        assert events(record) == before_events + 1, f"{case}: one event per transition"
                        outcomes.ok += 1
                    transaction.set_rollback(True)
                record.refresh_from_db()  # the object in hand back to the rolled-back row
    assert outcomes.total == len(states) * len(expected) * len(capacities)
    assert min(outcomes.ok, outcomes.forbidden, outcomes.conflict) > 0, outcomes
    return outcomes
