"""Stored period balances: what the ledgers moved, per estate, kind of account and calendar month
(``MonthBalance``), kept up to date by ``ledger.post`` in the posting's own transaction — the
``core.rollups`` pattern, called explicitly (no signal, no save()). Entries are never changed, so a
posting only ever adds to its month's cells (``rollups.add``; a reversal adds its mirror image to
the month of its own date, and a back-dated posting to the month it is dated in).

A balance as of a day is then the stored months before the day's month plus the entries of that
month up to the day (a month's entries, on the ``entry_on`` index): the figures by town and estate
no longer read every entry since the first deposit. Bulk loads that write entries without
``ledger.post`` (the demo's deposits, benches) call ``rebuild()`` afterwards, as does the
``rebuild_fund_balances`` command for existing data. ``tests/funds/test_periods.py`` checks, over
generated postings, that the cells equal the sums of the entries and that the figures equal the
full pass (``selectors.fund_figures_full``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from fangguan.core import rollups

from .choices import AccountKind
from .models import Entry, MonthBalance

KINDS = tuple(AccountKind.values)


def column(kind: str) -> str:
    return f"{kind}_fen"


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def contribution(row: dict) -> rollups.Contribution:
    """One entry (``on``, ``estate_id``, ``kind`` of its account, ``amount_fen``) in its month's cell."""
    return rollups.Contribution(day=month_of(row["on"]), dims={"estate_id": row["estate_id"]},
                                counts={column(row["kind"]): row["amount_fen"], "entries": 1})


ROLLUP = rollups.Rollup(model=MonthBalance, dims=("estate_id",), counters=(*(column(k) for k in KINDS), "entries"),
                        contribution=contribution)


def posted(on: dt.date, lines: Iterable[tuple[int, int]], accounts: dict) -> None:
    """Called by ``ledger.post`` in the posting's transaction, under its account locks: the new
    entries ``(account_id, amount_fen)`` dated ``on`` added to their month's cell."""
    rollups.add(ROLLUP, [{"on": on, "estate_id": accounts[a].estate_id, "kind": accounts[a].kind, "amount_fen": n}
                         for a, n in lines])


def rebuild() -> int:
    """Every cell again from the entries, summed by the database (after bulk loads, or for data
    written before the cells existed); returns the cells written."""
    sums = {column(k): Sum("amount_fen", filter=Q(account__kind=k)) for k in KINDS}
    rows = (Entry.objects.order_by().annotate(month=TruncMonth("on")).values("month", estate=F("account__estate_id"))
            .annotate(n=Count("pk"), **sums))
    with transaction.atomic():
        MonthBalance.objects.all().delete()
        cells = [MonthBalance(day=r["month"] if isinstance(r["month"], dt.date) else dt.date.fromisoformat(str(r["month"])[:10]),
                              estate_id=r["estate"], entries=r["n"], **{column(k): r[column(k)] or 0 for k in KINDS})
                 for r in rows.iterator(chunk_size=5000)]
        MonthBalance.objects.bulk_create(cells, batch_size=5000)
    return len(cells)


def held(*, day: dt.date, estates=None, kinds: Iterable[str]) -> dict[tuple[int, str], int]:
    """{(estate id, kind): Σ entries up to ``day``} (signed, debit positive) — from the stored months
    before ``day``'s month and the entries of that month up to ``day``. ``estates``: a queryset
    or list of estate ids, or None for every estate."""
    kinds = list(kinds)
    first = month_of(day)
    cells = MonthBalance.objects.filter(day__lt=first)
    live = Entry.objects.filter(on__gte=first, on__lte=day, account__kind__in=kinds)
    if estates is not None:
        cells = cells.filter(estate_id__in=estates)
        live = live.filter(account__estate_id__in=estates)
    out: dict[tuple[int, str], int] = {}
    for r in cells.order_by().values("estate_id").annotate(**{column(k): Sum(column(k)) for k in kinds}):
        for k in kinds:
            if r[column(k)]:
                out[(r["estate_id"], k)] = r[column(k)]
    for r in live.order_by().values("account__estate_id", "account__kind").annotate(s=Sum("amount_fen")):
        key = (r["account__estate_id"], r["account__kind"])
        out[key] = out.get(key, 0) + r["s"]
    return out
