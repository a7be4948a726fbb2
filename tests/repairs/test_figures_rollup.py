"""The figures' cells (core.rollups, repairs.figures) agree with the full pass over generated
histories: requests filed in two estates at random times, then random actions by random actors at
random moments — accepted, deferred, completed, reopened, rated, rejected, cancelled, merged,
urgency changed — including back-dated ("late") events and refused ones.

Two checks after every history: the cells the services kept, action by action, equal the cells
recomputed from the requests as they end up (so no write path skipped its call); and the figures
answered from the cells equal the full pass's SQL (``repair_stats_full``) for every grouping, at
a random time asked and over a random period — every count exactly, the median within the
buckets that hold the two middle values.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fangguan.core import rollups
from fangguan.core.machine import ActionConflict, ActionForbidden
from fangguan.repairs import figures, services
from fangguan.repairs.deadlines import LOCAL
from fangguan.repairs.models import HOURS_TO_COMPLETE, FiguresDay, FiguresMonth, RepairRequest
from fangguan.repairs.selectors import repair_stats, repair_stats_full

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def from_cells(settings):
    """These tests are about the cells: staff are answered from them (off by default)."""
    settings.FANGGUAN_REPAIR_FIGURES_FROM_CELLS = 1

ACTIONS = ["accept", "start", "complete", "defer", "reject", "cancel", "confirm", "reopen", "merge",
           "change_urgency", "close"]


def stored_cells(model=FiguresDay) -> dict:
    amounts = figures.ROLLUP.amounts
    found = {}
    for cell in model.objects.values("day", "estate_id", "company_id", *amounts):
        values = {k: cell[k] for k in amounts if cell[k]}
        if values:
            found[(cell["day"], cell["estate_id"], cell["company_id"])] = values
    return found


def recomputed_cells(months: bool = False) -> dict:
    """The cells from the requests as they are now; ``months``: summed per calendar month, here
    by hand (the first of the month as the key), not by the module's own ``by_month``."""
    cells = rollups.cells_of(figures.ROLLUP, RepairRequest.objects.values(*figures.FIELDS))
    if months:
        summed: dict = {}
        for (day, *dims), amounts in cells.items():
            into = summed.setdefault((dt.date(day.year, day.month, 1), *dims), {})
            for n, v in amounts.items():
                into[n] = into.get(n, 0) + v
        cells = summed
    return {k: {n: v for n, v in amounts.items() if v} for k, amounts in cells.items() if any(amounts.values())}


def median_bounds(rows) -> tuple[float, float] | None:
    hours = sorted((r.completed_at - r.created_at).total_seconds() / 3600 for r in rows
                   if r.completed_at and r.merged_into_id is None)
    if not hours:
        return None
    mid = (len(hours) - 1) / 2
    low = HOURS_TO_COMPLETE.bounds(HOURS_TO_COMPLETE.column_of(hours[math.floor(mid)]))[0]
    high = HOURS_TO_COMPLETE.bounds(HOURS_TO_COMPLETE.column_of(hours[math.ceil(mid)]))[1]
    return low, high


# "next": the request's natural next action (accept, start, complete, then confirm or reopen) by
# whoever takes it, so histories reach completion, reopening and rating; the rest at random
NEXT = {"submitted": ("company", "accept"), "accepted": ("company", "start"), "deferred": ("company", "start"),
        "in_progress": ("company", "complete"), "reopened": ("company", "accept")}
step = st.tuples(st.integers(0, 5), st.sampled_from(["company", "resident", "bureau"]),
                 st.sampled_from(["next"] * len(ACTIONS) + ACTIONS), st.integers(-48, 400), st.integers(1, 5),
                 st.booleans())


@settings(max_examples=int(__import__("os").environ.get("FANGGUAN_ROLLUP_EXAMPLES", 30)),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(filed=st.lists(st.tuples(st.booleans(), st.integers(0, 2400), st.booleans()), min_size=1, max_size=6),
       steps=st.lists(step, max_size=40), asked=st.integers(0, 3000),
       period=st.one_of(st.none(), st.tuples(st.integers(0, 110), st.integers(0, 110))))
def test_cells_equal_the_full_pass(world, filed, steps, asked, period):
    """Requests filed over 100 days, so a period holds whole months (read from the month tier)
    and ragged edges (from the day tier)."""
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=120)
    with transaction.atomic():
        try:
            requests = []
            for other, hours, urgent in filed:
                at = t0 + dt.timedelta(hours=hours)
                if other:
                    r = services.create_request(world.other_resident, estate=world.other_estate,
                                                home=world.other_home, category=world.category,
                                                description="别家漏水", now=at)
                else:
                    r = world.file(at=at, category=world.urgent_category if urgent else world.category)
                requests.append(r)
            for index, who, action, hours, rating, flag in steps:
                r = requests[index % len(requests)]
                r.refresh_from_db()
                if action == "next":
                    who, action = NEXT.get(r.status, ("resident", "confirm" if flag else "reopen"))
                mine = r.estate_id == world.estate.pk
                actor = {"company": world.dispatcher if mine else world.other_dispatcher,
                         "resident": world.resident if mine else world.other_resident,
                         "bureau": world.bureau}[who]
                at = r.created_at + dt.timedelta(hours=hours)  # may be before earlier events: late ones
                params = {"rating": rating, "reason": "不在范围", "comment": "没修好", "urgent": flag,
                          "until": (at + dt.timedelta(days=rating)).astimezone(LOCAL).date().isoformat(),
                          "into": requests[(index + 1) % len(requests)].pk}
                try:
                    services.act(actor, r, action, now=at, **params)
                    event(f"{action} taken")
                except (ActionConflict, ActionForbidden, ValidationError):
                    pass  # refused: nothing changed, the cells neither

            assert stored_cells() == recomputed_cells()
            assert stored_cells(FiguresMonth) == recomputed_cells(months=True)

            now = t0 + dt.timedelta(hours=asked)
            date_from = date_to = None
            if period is not None:
                date_from = (t0 + dt.timedelta(days=min(period))).astimezone(LOCAL).date()
                date_to = (t0 + dt.timedelta(days=max(period))).astimezone(LOCAL).date()
            span = rollups.period(date_from, date_to)
            event(f"months: {span.months is not None}, edges: {len(span.days)}")
            for group_by in ("company", "estate", "town"):
                cells = repair_stats(world.bureau, group_by, date_from, date_to, now=now)
                full = repair_stats_full(world.bureau, group_by, date_from, date_to, now=now)
                assert [i["group"] for i in cells["items"]] == [i["group"] for i in full["items"]]
                for got, want in [*zip(cells["items"], full["items"], strict=True), (cells["total"], full["total"])]:
                    got, want = dict(got), dict(want)
                    gm, wm = got.pop("median_hours_to_complete"), want.pop("median_hours_to_complete")
                    assert got == want
                    assert (gm is None) == (wm is None)
            # the total's median lies within the buckets of the two middle values
            rows = RepairRequest.objects.all()
            if date_from:
                rows = rows.filter(created_at__gte=dt.datetime.combine(date_from, dt.time(0), tzinfo=LOCAL))
            if date_to:
                rows = rows.filter(created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0),
                                                                       tzinfo=LOCAL))
            bounds = median_bounds(list(rows))
            median = repair_stats(world.bureau, "company", date_from, date_to, now=now)["total"]["median_hours_to_complete"]
            if bounds is None:
                assert median is None
            else:
                assert bounds[0] - 0.05 <= median <= bounds[1] + 0.05, (median, bounds)
        finally:
            transaction.set_rollback(True)


def test_a_resident_is_answered_by_the_full_pass(world):
    """The cells know estates, not reporters: a resident's own figures come from their requests."""
    world.file(at=timezone.now() - dt.timedelta(days=2))
    mine = repair_stats(world.resident, "company")
    assert mine == repair_stats_full(world.resident, "company")
    assert mine["total"]["volume"] == RepairRequest.objects.filter(reporter=world.resident,
                                                                   merged_into__isnull=True).count()


def test_scoped_staff_read_only_their_cells(world):
    world.file(at=timezone.now() - dt.timedelta(days=2))
    for user in (world.dispatcher, world.committee, world.town, world.other_dispatcher):
        got = repair_stats(user, "estate")
        want = repair_stats_full(user, "estate")
        assert [i["group"] for i in got["items"]] == [i["group"] for i in want["items"]]
        assert got["total"]["volume"] == want["total"]["volume"]


def test_rebuild_equals_what_the_services_kept(world):
    r = world.file(at=timezone.now() - dt.timedelta(days=3))
    services.act(world.dispatcher, r, "accept", now=r.created_at + dt.timedelta(hours=1))
    kept, months = stored_cells(), stored_cells(FiguresMonth)
    figures.rebuild()
    assert stored_cells() == kept == recomputed_cells()
    assert stored_cells(FiguresMonth) == months == recomputed_cells(months=True)


def test_rebuild_sums_rows_day_by_day_and_refuses_them_out_of_order():
    """The rebuild writes each day's cells as the rows pass it (memory for one day only), so it
    needs the rows in day order: counted by hand here, and a row from an earlier day after a
    later one is refused, with the cells as they were."""
    rollup = rollups.Rollup(model=FiguresDay, month_model=FiguresMonth, dims=("estate_id",), counters=("volume",),
                            contribution=lambda row: rollups.Contribution(day=row["day"], dims={"estate_id": row["estate"]},
                                                                          counts={"volume": 1}))
    d1, d2, d3 = dt.date(2025, 3, 30), dt.date(2025, 3, 31), dt.date(2025, 4, 1)
    rows = [{"day": d1, "estate": 2}, {"day": d1, "estate": 1}, {"day": d1, "estate": 2},
            {"day": d2, "estate": 1}, {"day": d3, "estate": 1}]
    assert rollups.rebuild(rollup, rows) == 4
    assert set(FiguresDay.objects.values_list("day", "estate_id", "volume")) == {
        (d1, 1, 1), (d1, 2, 2), (d2, 1, 1), (d3, 1, 1)}
    assert set(FiguresMonth.objects.values_list("day", "estate_id", "volume")) == {
        (dt.date(2025, 3, 1), 1, 2), (dt.date(2025, 3, 1), 2, 2), (dt.date(2025, 4, 1), 1, 1)}
    with pytest.raises(ValueError, match="out of day order"):
        rollups.rebuild(rollup, [{"day": d2, "estate": 1}, {"day": d1, "estate": 1}])
    assert FiguresDay.objects.count() == 4 and FiguresMonth.objects.count() == 3


def test_cells_are_written_in_key_order_whatever_the_move(monkeypatch):
    """Two transactions moving records between the same cells must lock them in one order, or
    they deadlock (the soak saw it on repairs_figuresday): a move back in time (the cell left is
    the later one) still writes the earlier cell first, and the lower estate before the higher."""
    written = []
    monkeypatch.setattr(rollups, "_upsert", lambda rollup, key, amounts, model=None: written.append(key))
    rollup = rollups.Rollup(model=FiguresDay, dims=("estate_id",), counters=("volume",),
                            contribution=lambda row: rollups.Contribution(day=row["day"], dims={"estate_id": row["estate"]},
                                                                          counts={"volume": 1}))
    later, earlier = dt.date(2025, 3, 2), dt.date(2025, 3, 1)
    rollups.change(rollup, {"day": later, "estate": 1}, {"day": earlier, "estate": 1})
    rollups.change(rollup, {"day": earlier, "estate": 9}, {"day": earlier, "estate": 2})
    assert written == [(earlier, 1), (later, 1), (earlier, 2), (earlier, 9)]


def test_the_month_tier_is_written_after_the_day_tier(monkeypatch):
    """One order for every transaction: all day cells (in key order), then all month cells."""
    written = []
    monkeypatch.setattr(rollups, "_upsert", lambda rollup, key, amounts, model=None: written.append((model, key)))
    rollups.change(figures.ROLLUP, None, None)
    assert written == []
    rollup = rollups.Rollup(model=FiguresDay, month_model=FiguresMonth, dims=("estate_id",), counters=("volume",),
                            contribution=lambda row: rollups.Contribution(day=row["day"], dims={"estate_id": row["estate"]},
                                                                          counts={"volume": 1}))
    rollups.change(rollup, {"day": dt.date(2025, 4, 1), "estate": 1}, {"day": dt.date(2025, 3, 31), "estate": 1})
    assert written == [(FiguresDay, (dt.date(2025, 3, 31), 1)), (FiguresDay, (dt.date(2025, 4, 1), 1)),
                       (FiguresMonth, (dt.date(2025, 3, 1), 1)), (FiguresMonth, (dt.date(2025, 4, 1), 1))]
    written.clear()
    rollups.change(rollup, {"day": dt.date(2025, 3, 2), "estate": 1}, {"day": dt.date(2025, 3, 30), "estate": 1})
    # a move inside one month: the month cell's amounts cancel, so it is not written at all
    assert written == [(FiguresDay, (dt.date(2025, 3, 2), 1)), (FiguresDay, (dt.date(2025, 3, 30), 1))]


@pytest.mark.parametrize(("start", "end", "months", "days"), [
    # restated by hand: whole months [from, before) on the month tier, the edges on the day tier
    ("2025-01-01", "2025-12-31", ("2025-01-01", "2026-01-01"), []),
    ("2025-01-15", "2025-03-31", ("2025-02-01", "2025-04-01"), [("2025-01-15", "2025-01-31")]),
    ("2025-01-01", "2025-03-30", ("2025-01-01", "2025-03-01"), [("2025-03-01", "2025-03-30")]),
    ("2025-01-02", "2025-02-28", ("2025-02-01", "2025-03-01"), [("2025-01-02", "2025-01-31")]),
    ("2024-02-01", "2024-02-29", ("2024-02-01", "2024-03-01"), []),  # a leap February, whole
    ("2024-02-01", "2024-02-28", None, [("2024-02-01", "2024-02-28")]),  # … one day short
    ("2025-01-10", "2025-02-20", None, [("2025-01-10", "2025-02-20")]),  # no whole month inside
    ("2025-03-05", "2025-03-05", None, [("2025-03-05", "2025-03-05")]),
    (None, None, (None, None), []),
    (None, "2025-03-15", (None, "2025-03-01"), [("2025-03-01", "2025-03-15")]),
    ("2025-03-15", None, ("2025-04-01", None), [("2025-03-15", "2025-03-31")]),
    ("2025-12-31", "2026-01-31", ("2026-01-01", "2026-02-01"), [("2025-12-31", "2025-12-31")]),
])
def test_a_period_splits_into_months_and_edges(start, end, months, days):
    def d(s):
        return None if s is None else dt.date.fromisoformat(s)
    got = rollups.period(d(start), d(end))
    assert got.months == (None if months is None else (d(months[0]), d(months[1])))
    assert list(got.days) == [(d(a), d(b)) for a, b in days]


@given(st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)), st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)))
def test_months_and_edges_cover_the_period_once(a, b):
    """Every day of [start, end] is counted exactly once: in a whole month or in an edge."""
    start, end = min(a, b), max(a, b)
    got = rollups.period(start, end)
    covered = []
    if got.months:
        day = got.months[0]
        while day < got.months[1]:
            assert day.day == 1
            following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
            covered += [day + dt.timedelta(days=i) for i in range((following - day).days)]
            day = following
    for low, high in got.days:
        covered += [low + dt.timedelta(days=i) for i in range((high - low).days + 1)]
    assert sorted(covered) == [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
