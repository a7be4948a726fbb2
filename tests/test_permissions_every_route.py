"""Every route × every demo role plus anonymous × every action (``tests/kit/permissions.py``).

The routes come from the URL resolver; the expectations from each app's
``tests/<app>/permissions.py``. A route without a spec fails here, naming it.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from tests.kit import permissions as kit

CASES = kit.all_cases()


def test_every_route_has_a_spec():
    missing = kit.uncovered(CASES, kit.discover())
    assert not missing, (
        f"{len(missing)} route(s) without a permission spec — add a Case for each to "
        "tests/<app>/permissions.py (see docs/testing.md):\n" + "\n".join(
            f"  {k}  → {kit.owner_hint(k.split(' ')[-1].lstrip('/'))}" for k in missing))


def test_every_spec_names_a_real_route():
    keys = set(kit.endpoints())
    stale = sorted(c.key for c in CASES if c.key not in keys and kit.key(None, c.route) not in keys)
    assert not stale, f"specs name routes that do not exist (renamed? removed?): {stale}"
    todo_gone = sorted(set(kit.TODO) - keys)
    assert not todo_gone, f"TODO entries for routes that no longer exist: {todo_gone}"
    todo_done = sorted(set(kit.TODO) & kit.covered_keys(CASES))
    assert not todo_done, f"TODO entries now covered by a spec — remove them: {todo_done}"


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.fixture
def clients(db, users):
    yield kit.Clients(users)
    cache.clear()  # figures cached per data version: rolled-back writes must leave nothing behind


_ROUTES = None


def _route_name(case):
    global _ROUTES
    if _ROUTES is None:
        _ROUTES = kit.endpoints()
    route = _ROUTES.get(case.key) or _ROUTES.get(kit.key(None, case.route))
    assert route is not None, f"{case.id}: no such route"
    return route.name


# PERMKIT_MODULES=votes,imports runs only those specs' cases (while writing one)
_ONLY = {m for m in os.environ.get("PERMKIT_MODULES", "").split(",") if m}
_RUN = [c for c in CASES if not _ONLY or c.module in _ONLY]


@pytest.mark.parametrize("case", _RUN, ids=[c.id for c in _RUN])
def test_route(case, clients):
    failures = kit.run(case, clients, _route_name(case))
    assert not failures, f"{case.id}:\n  " + "\n  ".join(failures)
