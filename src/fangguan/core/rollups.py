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

Reading: ``sums(queryset_of_cells, group)`` sums every counter and bucket per group (plus the
total); ``Histogram.quantile`` gives a median from the summed buckets, exact to within the
bucket that holds it (interpolated inside it, as ``percentile_cont`` interpolates).

What the cells cannot hold — a figure that changes with the clock alone (e.g. "past its
deadline by now") — the module counts live over the few records it concerns (an index on the
open records), not over the table: see ``repairs.figures``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Sum


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

    @property
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

    @property
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


def change(rollup: Rollup, before: dict | None, after: dict | None) -> None:
    """Move one record's contribution from ``before`` to ``after`` (rows as dicts of fields), in
    the caller's transaction. Cells are written in key order (day, then dimensions), so two
    transactions moving records between the same cells lock them in the same order and never
    deadlock (the soak saw one when a request moved back a day while another moved forward)."""
    cells: dict[tuple, dict[str, int]] = {}
    _merge(cells, rollup.deltas(before, -1))
    _merge(cells, rollup.deltas(after, +1))
    for key, amounts in sorted(cells.items()):
        amounts = {k: v for k, v in amounts.items() if v}
        if amounts:
            _upsert(rollup, key, amounts)


def add(rollup: Rollup, rows: Iterable[dict]) -> None:
    """Add the contributions of several new records at once (e.g. the entries of one ledger
    posting), in the caller's transaction: one upsert per touched cell, in key order (as
    ``change``). For records that are only ever added, never changed."""
    cells = cells_of(rollup, rows)
    for key, amounts in sorted(cells.items()):
        amounts = {k: v for k, v in amounts.items() if v}
        if amounts:
            _upsert(rollup, key, amounts)


def _upsert(rollup: Rollup, key: tuple, amounts: dict[str, int]) -> None:
    """Add ``amounts`` to the cell ``key`` (created at zero if missing): one statement,
    ``INSERT … ON CONFLICT (day, dims) DO UPDATE`` (PostgreSQL and SQLite alike)."""
    table = rollup.model._meta.db_table
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


def rebuild(rollup: Rollup, rows: Iterable[dict], batch_size: int = 5000) -> int:
    """Replace every cell by the sums of ``rows`` (after a bulk load); returns the cells written."""
    cells = cells_of(rollup, rows)
    model = rollup.model
    with transaction.atomic():
        model.objects.all().delete()
        objs = []
        for key, amounts in cells.items():
            values = dict(zip(["day", *rollup.dims], key, strict=True))
            values.update({k: v for k, v in amounts.items() if v})
            objs.append(model(**values))
        model.objects.bulk_create(objs, batch_size=batch_size)
    return len(objs)


def sums(rollup: Rollup, cells: models.QuerySet, group: str | None) -> tuple[list[dict], dict[str, Any]]:
    """(per ``group`` value, the total): every counter and bucket summed over ``cells``. ``group``
    is a field path on the cell model (``company_id``, ``estate__town_id``) or None."""
    amounts = {name: Sum(name) for name in rollup.amounts}
    rows = []
    if group is not None:
        rows = list(cells.order_by().values(g=models.F(group)).annotate(**amounts))
        for r in rows:
            for name in rollup.amounts:
                r[name] = r[name] or 0
    total = {name: sum(r[name] for r in rows) for name in rollup.amounts} if group is not None else {
        name: v or 0 for name, v in cells.order_by().aggregate(**amounts).items()}
    return rows, total
