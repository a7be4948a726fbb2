"""The repair figures as small reads: per-day and per-month × estate × company cells
(``core.rollups``) that the services keep up to date in the same transaction as each request's
change. A period reads its whole months from the month tier and only its ragged edges from the
day tier.

What a request adds to its cell (``contribution``) is the full pass's counting restated for one
row: filed (unless merged), responded and on time, completed (not withdrawn) and on time, ever
completed, reopened, rated, and the hours to complete in a histogram. Two figures change with the
clock alone — a request not yet responded (not cancelled) or not yet completed (not withdrawn)
counts once its deadline has passed — so they are counted live, at the time asked, over those
requests only (two partial indexes: ``repairs_unresponded``, ``repairs_uncompleted``).

``tests/repairs/test_figures_rollup.py`` generates histories (reopenings, deferrals, late and
back-dated events, merges, cancellations) and finds the cells' figures equal to the full pass
(``selectors.repair_stats_full``): every count exactly, the median within its bucket.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q

from fangguan.core import rollups
from fangguan.registry.models import Company, Estate, Town

from .choices import Status
from .deadlines import LOCAL
from .models import HOURS_TO_COMPLETE, FiguresDay, FiguresMonth

WITHDRAWN = (Status.CANCELLED, Status.REJECTED)
FIELDS = ("created_at", "estate_id", "company_id", "merged_into_id", "status", "responded_at", "response_due_at",
          "completed_at", "complete_due_at", "reopen_count", "rating")


def contribution(row: dict) -> rollups.Contribution | None:
    if row["merged_into_id"] is not None:
        return None
    completed, responded = row["completed_at"], row["responded_at"]
    kept = row["status"] not in WITHDRAWN
    return rollups.Contribution(
        day=row["created_at"].astimezone(LOCAL).date(),
        dims={"estate_id": row["estate_id"], "company_id": row["company_id"]},
        counts={
            "volume": 1,
            "responded": responded is not None,
            "responded_on_time": responded is not None and responded <= row["response_due_at"],
            "completed": kept and completed is not None,
            "completed_on_time": kept and completed is not None and completed <= row["complete_due_at"],
            "ever_completed": completed is not None or row["reopen_count"] > 0,
            "reopened": row["reopen_count"] > 0,
            "rated": row["rating"] is not None,
            "rating_sum": row["rating"] or 0,
        },
        values={"hours": (completed - row["created_at"]).total_seconds() / 3600 if completed else None},
    )


ROLLUP = rollups.Rollup(
    model=FiguresDay, dims=("estate_id", "company_id"),
    counters=("volume", "responded", "responded_on_time", "completed", "completed_on_time", "ever_completed",
              "reopened", "rated", "rating_sum"),
    contribution=contribution, histograms=(HOURS_TO_COMPLETE,), month_model=FiguresMonth,
)


def row_of(request) -> dict:
    """The fields the figures count, of one request as it is now (before or after a change)."""
    return {name: getattr(request, name) for name in FIELDS}


def changed(before: dict | None, request) -> None:
    """Called by the services in the transaction that changed ``request`` (``before``: its row
    before the change, None when it was just filed)."""
    rollups.change(ROLLUP, before, row_of(request))


def rebuild() -> int:
    """All cells again from the requests (after a bulk load: demo, benches)."""
    from .models import RepairRequest

    rows = RepairRequest.objects.order_by("created_at").values(*FIELDS).iterator(chunk_size=20000)
    return rollups.rebuild(ROLLUP, rows)  # in filing order: the rollup writes each day's cells as it passes


def late_q(now: dt.datetime) -> tuple[Q, Q]:
    """(not yet responded and past the response deadline, not yet completed and past the
    completion deadline) — the counting that waits on the clock."""
    response = Q(responded_at__isnull=True, response_due_at__lt=now) & ~Q(status=Status.CANCELLED)
    completion = Q(completed_at__isnull=True, complete_due_at__lt=now) & ~Q(status__in=WITHDRAWN)
    return response, completion


def from_cells(user, key: str, date_from, date_to, now: dt.datetime, requests) -> tuple[list, dict]:
    """(rows per group, total) in the full pass's terms, from the cells plus the live part.
    ``requests``: the scoped, unmerged, period-filtered requests (for the live part)."""
    group = {"company_id": "company_id", "estate_id": "estate_id", "estate__town_id": "estate__town_id"}[key]
    names = {"company_id": Company, "estate_id": Estate, "estate__town_id": Town}[key]
    span = rollups.period(date_from, date_to)
    parts = [model.objects.visible_to(user).filter(q).order_by().values(*ROLLUP.amounts, g=F(group))
             for model, q in ((FiguresMonth, span.month_q()), (FiguresDay, span.day_q())) if q is not None]
    rows = rollups.sum_rows(ROLLUP, parts, names.objects.order_by().values("id", "name"))
    response, completion = late_q(now)
    live = {r["g"]: r for r in requests.filter(response | completion).order_by()
            .values(g=F(key)).annotate(lr=Count("pk", filter=response), lc=Count("pk", filter=completion))}
    rows = [r for r in rows if r["volume"]]  # a cell emptied by merges
    found = []
    for r in rows:
        if key == "company_id" and r["g"] == 0:
            r["g"] = None
        extra = live.get(r["g"], {"lr": 0, "lc": 0})
        found.append(_shape(r, extra["lr"], extra["lc"]))
    total = {name: sum(r[name] or 0 for r in rows) for name in ROLLUP.amounts}
    return found, _shape({"g": None, "g_name": None, **total}, sum(x["lr"] for x in live.values()),
                         sum(x["lc"] for x in live.values()))


def _shape(r: dict, late_responses: int, late_completions: int) -> dict:
    """A row in the names the full pass uses (``selectors._NAMES``)."""
    sums = {name: r[name] or 0 for name in ROLLUP.amounts}
    return {
        "g": r["g"], "g_name": r["g_name"], "volume": sums["volume"],
        "response_counted": sums["responded"] + late_responses, "response_on_time": sums["responded_on_time"],
        "complete_counted": sums["completed"] + late_completions, "complete_on_time": sums["completed_on_time"],
        "ever_completed": sums["ever_completed"], "reopened": sums["reopened"], "rated": sums["rated"],
        "rating_sum": sums["rating_sum"], "median": HOURS_TO_COMPLETE.quantile(sums),
    }
