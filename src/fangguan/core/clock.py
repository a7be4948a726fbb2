"""The escalation ladder any clock climbs (repair requests, complaints, handover defects): a
record late on a deadline goes to the first rung when the deadline passes, to the next once its
grace has passed too. One sweep per tick, idempotent: the module's ``escalate_one`` locks the
record, re-checks it and sends each hand-off once (its own unique constraint).

The module says which of its records are late (``late(level, deadline, before)``: ids not yet
handed to ``level`` for ``deadline`` whose deadline passed before ``before``) and how one is
escalated; the ladder and the walk are here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    level: str
    grace: dt.timedelta = dt.timedelta(0)  # how long past the deadline before this level gets it


def sweep(*, now: dt.datetime, ladder: Sequence[Rung], deadlines: Sequence[str],
          late: Callable[[str, str, dt.datetime], Iterable[int]],
          escalate_one: Callable[[int, str, str, dt.datetime], bool]) -> dict[str, int]:
    """Hand every late record up the ladder; returns how many went to each level."""
    counts = {rung.level: 0 for rung in ladder}
    for rung in ladder:
        before = now - rung.grace
        for deadline in deadlines:
            for pk in late(rung.level, deadline, before):
                if escalate_one(pk, rung.level, deadline, now):
                    counts[rung.level] += 1
    return counts
