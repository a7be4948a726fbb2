"""Figures kept up to date as records change: per-day × per-dimension cells of counters and
histograms, so a figures endpoint reads a few thousand cells instead of every record.

A module declares its rollup once (``Rollup``): a cell model (a subclass of ``RollupCell`` with
its dimensions as integer columns — foreign keys with ``db_constraint=False`` read best — its
counters and histogram buckets as integer columns, and a unique constraint on (day, dims)), and
``contribution(row)``: what one record adds to its cell, from a plain dict of the record's fields
(``None``: nothing). The module's services then call, in the same transaction as the event,

    rollups.change(ROLLUP, before_row, after_row)   # before None: created; after None: deleted

which subtracts the old contribution and adds the new one (an upsert per touched cell: at most
two). No signal, no save(): the call sits next to the event it follows, so a write path that
forgets it is visible in review — and a property test recomputes the full pass and the cells
over generated histories and finds them equal (repairs: tests/repairs/test_figures_rollup.py).
Bulk loads (demo, benches, imports) call ``rebuild(ROLLUP, rows)`` afterwards.

A rollup may keep a **month tier** too (``month_model``: the same columns, ``day`` the first of
the month): ``change`` writes both, so a figure over a year reads twelve months' cells per
dimension instead of 365 days', and only the days at a period's ragged edges come from the day
tier (``period``: which tier answers which days).

Reading: ``period(start, end)`` says which tier answers which days, ``sum_rows`` sums every
counter and bucket per group over the cells of both in one statement; ``Histogram.quantile``
gives a median from the summed buckets, exact to within the bucket that holds it (interpolated
inside it, as ``percentile_cont`` interpolates).

What the cells cannot hold — a figure that changes with the clock alone (e.g. "past its
deadline by now") — the module counts live over the few records it concerns (an index on the
open records), not over the table: see ``repairs.figures``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, models, transaction

from fangguan.core.db import insert_rows


class RollupCell(models.Model):
    """One cell: a day and the module's dimensions; counters and buckets are the module's."""

    day = models.DateField()

    class Meta:
        abstract = True


@dataclass(frozen=True)
class Histogram:
    """Counts of a value in buckets: bucket ``i`` holds ``edges[i] <= x < edges[i+1]``, the last
    one everything from its edge up. Stored as columns ``<name>_0 … <name>_<n-1>``."""

    name: str
    edges: tuple[float, ...]

    @functools.cached_property
    def columns(self) -> list[str]:
        return [f"{self.name}_{i}" for i in range(len(self.edges))]

    def column_of(self, value: float) -> str:
        i = max(0, bisect.bisect_right(self.edges, value) - 1)
        return f"{self.name}_{i}"

    def fields(self) -> dict[str, models.Field]:
        """The model fields to declare (``locals().update(HIST.fields())`` in the class body)."""
        return {c: models.IntegerField(default=0) for c in self.columns}

    def bounds(self, column: str) -> tuple[float, float]:
        i = int(column.rsplit("_", 1)[1])
        upper = self.edges[i + 1] if i + 1 < len(self.edges) else float("inf")
        return self.edges[i], upper

    def quantile(self, sums: dict[str, int], q: float = 0.5) -> float | None:
        """The ``q`` quantile from summed buckets, interpolated linearly inside its bucket (the
        last, open bucket answers its lower edge): within one bucket of the exact value."""
        counts = [int(sums.get(c) or 0) for c in self.columns]
        n = sum(counts)
        if not n:
            return None
        rank = q * (n - 1)  # percentile_cont's position among the sorted values (0-based)
        seen = 0
        for i, count in enumerate(counts):
            if count and rank < seen + count:
                low, high = self.bounds(self.columns[i])
                if high == float("inf"):
                    return low
                return low + (high - low) * ((rank - seen) + 0.5) / count
            seen += count
        return self.edges[-1]


@dataclass(frozen=True)
class Contribution:
    """What one record adds to its cell: the cell's key and the amounts."""

    day: dt.date
    dims: dict[str, int]
    counts: dict[str, int]
    values: dict[str, float] = field(default_factory=dict)  # histogram name -> the record's value


@dataclass(frozen=True)
class Rollup:
    model: type[RollupCell]
    dims: tuple[str, ...]  # column names (``estate_id``); None is stored as 0
    counters: tuple[str, ...]
    contribution: Callable[[dict], Contribution | None]
    histograms: tuple[Histogram, ...] = ()
    month_model: type[RollupCell] | None = None  # the same cells per calendar month (day = the 1st)

    @functools.cached_property
    def amounts(self) -> list[str]:
        return [*self.counters, *(c for h in self.histograms for c in h.columns)]

    def histogram(self, name: str) -> Histogram:
        return next(h for h in self.histograms if h.name == name)

    def deltas(self, row: dict | None, sign: int) -> dict[tuple, dict[str, int]]:
        found = self.contribution(row) if row is not None else None
        if found is None:
            return {}
        key = (found.day, *(found.dims.get(d) or 0 for d in self.dims))
        amounts = {name: sign * n for name, n in found.counts.items() if n}
        for name, value in found.values.items():
            if value is not None:
                column = self.histogram(name).column_of(value)
                amounts[column] = amounts.get(column, 0) + sign
        return {key: amounts}


def _merge(into: dict[tuple, dict[str, int]], more: dict[tuple, dict[str, int]]) -> None:
    for key, amounts in more.items():
        cell = into.setdefault(key, {})
        for name, n in amounts.items():
            cell[name] = cell.get(name, 0) + n


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def by_month(cells: dict[tuple, dict[str, int]]) -> dict[tuple, dict[str, int]]:
    """Day cells summed into month cells (keys with the first of the month as their day)."""
    months: dict[tuple, dict[str, int]] = {}
    for (day, *dims), amounts in cells.items():
        _merge(months, {(month_of(day), *dims): amounts})
    return months


def change(rollup: Rollup, before: dict | None, after: dict | None) -> None:
    """Move one record's contribution from ``before`` to ``after`` (rows as dicts of fields), in
    the caller's transaction. Cells are written in one fixed order — the day tier, then the month
    tier, each in key order (day, then dimensions) — so two transactions moving records between
    the same cells lock them in the same order and never deadlock (the soak saw one when a
    request moved back a day while another moved forward)."""
    cells: dict[tuple, dict[str, int]] = {}
    _merge(cells, rollup.deltas(before, -1))
    _merge(cells, rollup.deltas(after, +1))
    _write(rollup, cells)


def add(rollup: Rollup, rows: Iterable[dict]) -> None:
    """Add the contributions of several new records at once (e.g. the entries of one ledger
    posting), in the caller's transaction: one upsert per touched cell, in the same fixed order
    as ``change`` (the day tier, then the month tier, each in key order). For records that are
    only ever added, never changed."""
    _write(rollup, cells_of(rollup, rows))


def _write(rollup: Rollup, cells: dict[tuple, dict[str, int]]) -> None:
    """Add ``cells`` (day keys) to both tiers in the one fixed order: the day tier, then the
    month tier, each in key order; a cell whose amounts cancel is not touched."""
    tiers = [(rollup.model, cells)]
    if rollup.month_model is not None:
        tiers.append((rollup.month_model, by_month(cells)))
    for model, found in tiers:
        for key, amounts in sorted(found.items()):
            amounts = {k: v for k, v in amounts.items() if v}
            if amounts:
                _upsert(rollup, key, amounts, model)


def _upsert(rollup: Rollup, key: tuple, amounts: dict[str, int], model: type[RollupCell] | None = None) -> None:
    """Add ``amounts`` to the cell ``key`` of ``model`` (the day tier unless given; created at zero
    if missing): one statement, ``INSERT … ON CONFLICT (day, dims) DO UPDATE`` (PostgreSQL and
    SQLite alike)."""
    table = (model or rollup.model)._meta.db_table
    q = connection.ops.quote_name
    keys = ["day", *rollup.dims]
    every = rollup.amounts  # a new cell starts at zero everywhere (defaults are Django's, not the table's)
    columns = ", ".join(q(c) for c in [*keys, *every])
    marks = ", ".join(["%s"] * (len(keys) + len(every)))
    updates = ", ".join(f"{q(n)} = {q(table)}.{q(n)} + excluded.{q(n)}" for n in amounts)
    sql = (f"INSERT INTO {q(table)} ({columns}) VALUES ({marks}) "  # noqa: S608 (names are the model's)
           f"ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET {updates}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key, *(amounts.get(n, 0) for n in every)])


def cells_of(rollup: Rollup, rows: Iterable[dict]) -> dict[tuple, dict[str, int]]:
    """Every cell of ``rows`` summed in memory (the full pass, cell by cell)."""
    cells: dict[tuple, dict[str, int]] = {}
    for row in rows:
        _merge(cells, rollup.deltas(row, +1))
    return cells


def rebuild(rollup: Rollup, rows: Iterable[dict]) -> int:
    """Replace every cell (both tiers) by the sums of ``rows``, which must come in the order of
    their cells' days (after a bulk load; ``ValueError`` otherwise); returns the day cells
    written. Each day's cells are written once the rows move past that day, so memory holds one
    day's cells and the months'; they are written as plain tuples (``core.db.insert_rows``:
    COPY on PostgreSQL), not model instances."""
    keys = ["day", *rollup.dims]  # every other column: the rollup's amount, or the field's default
    every = [f.column for f in rollup.model._meta.concrete_fields if not f.primary_key and f.column not in keys]
    columns = [*keys, *every]
    defaults = {f.column: f.get_default() for f in rollup.model._meta.concrete_fields}
    months: dict[tuple, dict[str, int]] = {}
    day, cells, written = None, {}, 0
    with transaction.atomic():
        rollup.model.objects.all().delete()
        for row in rows:
            found = rollup.deltas(row, +1)
            if not found:
                continue
            key = next(iter(found))
            if day is not None and key[0] != day:
                if key[0] < day:
                    raise ValueError(f"rows out of day order: {key[0]} after {day}")
                written += insert_rows(rollup.model, columns, _tuples(cells, every, defaults))
                cells = {}
            day = key[0]
            _merge(cells, found)
            _merge(months, {(month_of(day), *key[1:]): found[key]})
        written += insert_rows(rollup.model, columns, _tuples(cells, every, defaults))
        if rollup.month_model is not None:
            rollup.month_model.objects.all().delete()
            insert_rows(rollup.month_model, columns, _tuples(months, every, defaults))
    return written


def _tuples(cells: dict[tuple, dict[str, int]], every: list[str], defaults: dict) -> Iterable[list]:
    """Cells as rows of (key…, every other column) in key order, defaults written out."""
    for key, amounts in sorted(cells.items()):
        yield [*key, *(amounts.get(n, defaults[n]) for n in every)]


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Period:
    """Which tier answers which days of [start, end] (either end open: None). ``months``: the
    whole calendar months inside, as [from, before) on the month tier's ``day`` (None: no whole
    month, or no bound on that side); ``days``: the ragged edges, as closed [from, to] ranges on
    the day tier (a None end: open)."""

    months: tuple[dt.date | None, dt.date | None] | None
    days: tuple[tuple[dt.date | None, dt.date | None], ...]

    def month_q(self) -> models.Q | None:
        if self.months is None:
            return None
        low, before = self.months
        q = models.Q()
        if low is not None:
            q &= models.Q(day__gte=low)
        if before is not None:
            q &= models.Q(day__lt=before)
        return q

    def day_q(self) -> models.Q | None:
        if not self.days:
            return None
        parts = []
        for low, high in self.days:
            part = models.Q()
            if low is not None:
                part &= models.Q(day__gte=low)
            if high is not None:
                part &= models.Q(day__lte=high)
            if not part:
                return models.Q()  # an edge without bounds: every day
            parts.append(part)
        return functools.reduce(operator.or_, parts)


def period(start: dt.date | None, end: dt.date | None, *, months: bool = True) -> Period:
    """Split [start, end] into whole months and the days at its edges (``months=False``: all days)."""
    if not months:
        return Period(None, ((start, end),))
    first = None if start is None else (start if start.day == 1 else _next_month(start))
    after = None if end is None else (_next_month(end) if _next_month(end) - dt.timedelta(days=1) == end
                                      else month_of(end))
    if first is not None and after is not None and first >= after:
        return Period(None, ((start, end),))  # no whole month inside
    days = []
    if start is not None and start < first:
        days.append((start, first - dt.timedelta(days=1)))
    if end is not None and after <= end:
        days.append((after, end))
    return Period((first, after), tuple(days))


def sum_rows(rollup: Rollup, parts: list[models.QuerySet], names: models.QuerySet) -> list[dict]:
    """Every counter and bucket summed per group ``g`` over the union of ``parts`` — querysets of
    cells (of either tier) as ``values(*amounts, g=…)`` — then named from ``names`` (a queryset
    of ``values("pk", "name")``), in one statement: the sums first, the names joined to the few
    groups after (joining them to every cell doubled the time), ordered by name as the full pass
    orders (the database's collation; NULL where it puts NULL)."""
    q = connection.ops.quote_name
    inner, params = [], []
    columns = ", ".join(q(n) for n in ["g", *rollup.amounts])
    for part in parts:
        sql, more = part.query.sql_with_params()
        inner.append(f"SELECT {columns} FROM ({sql}) AS p{len(inner)}")  # noqa: S608 (names are the model's)
        params.extend(more)
    named, more = names.query.sql_with_params()
    params.extend(more)
    summed = ", ".join(f"SUM({q(n)}) AS {q(n)}" for n in rollup.amounts)
    picked = ", ".join(f"s.{q(n)}" for n in rollup.amounts)
    sql = (f"SELECT s.{q('g')}, n.{q('name')}, {picked} FROM (SELECT {q('g')}, {summed} FROM "  # noqa: S608
           f"({' UNION ALL '.join(inner)}) AS t GROUP BY {q('g')}) AS s LEFT JOIN ({named}) AS n "
           f"ON n.{q('id')} = s.{q('g')} ORDER BY n.{q('name')}, s.{q('g')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = ["g", "g_name", *rollup.amounts]
        return [dict(zip(keys, r, strict=True)) for r in cursor.fetchall()]
