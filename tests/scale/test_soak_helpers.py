"""bench/soak.py's counting at a tiny size (the soak itself never runs in the suite): percentiles
by nearest rank, a 409 counted as a conflict and not an error, and the warm-up forgotten."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import soak  # noqa: E402


def test_percentiles_by_nearest_rank():
    values = [0.5, 0.1, 0.4, 0.2, 0.3]  # sorted: 0.1 … 0.5; rank round(q/100 × 4)
    assert soak.pct(values, 50) == 0.3
    assert soak.pct(values, 95) == 0.5
    assert soak.pct(values, 0) == 0.1
    assert soak.pct([], 99) == 0.0


def test_conflicts_are_not_errors_and_the_warmup_is_forgotten():
    stats = soak.Stats()
    stats.record("dispatcher_work", 0.2, ok=False, conflict=True)
    stats.record("dispatcher_work", 0.3, ok=False, detail="500 boom")
    stats.record("officer_list", 0.1, ok=True)
    assert stats.conflicts == {"dispatcher_work": 1}
    assert stats.errors == {"dispatcher_work": 1}
    assert stats.samples["dispatcher_work"] == ["500 boom"]
    assert len(stats.times["dispatcher_work"]) == 2

    stats.reset()  # the warm-up ends: nothing of it is counted
    stats.record("officer_list", 0.4, ok=True)
    assert dict(stats.times) == {"officer_list": [0.4]}
    assert not stats.errors and not stats.conflicts and not stats.samples
