"""Every non-trivial read of repair requests: the scoped, filtered lists (queue, overdue), who is
concerned by an event, and the figures per company / estate / town (one function: ``repair_stats``,
which the API, the stats page, its chart and its export all use)."""

from __future__ import annotations

import datetime as dt
import statistics

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from fangguan.accounts.choices import OrgKind, Role
from fangguan.registry.scopes import serving_staff

from . import figures
from .choices import FINAL, EventKind, Level, Status
from .deadlines import LOCAL, overdue_q
from .models import RepairRequest, Supervision
from .scopes import reads_by_estate

GROUPS = {
    "company": ("company_id", "company__name"),
    "estate": ("estate_id", "estate__name"),
    "town": ("estate__town_id", "estate__town__name"),
}


def with_related(qs):
    """What a request's page or list shows of its neighbours. Estate and category are joined; the
    rest come in one query each for the whole page: every join added to the scoped, sorted query
    multiplies PostgreSQL's planning time (8 tables: ~20 ms to plan a 4 ms query)."""
    return qs.select_related("estate", "category").prefetch_related("company", "building", "home", "assignee")


def requests_for(user, *, status=None, estate=None, company=None, town=None, category=None,
                 overdue=None, open=None, number=None, mine=False, ordering="-created", now=None):  # noqa: A002
    """The list behind the API, the queue and the overdue pages: always through ``visible_to``.
    ``status`` is one status or several; ``open`` True keeps the requests not yet final (False
    the final ones); ``number`` finds a request by its number."""
    now = now or timezone.now()
    qs = with_related(RepairRequest.objects.visible_to(user))
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    if open is not None:
        qs = qs.exclude(status__in=FINAL) if open else qs.filter(status__in=FINAL)
    if number:
        qs = qs.filter(pk=number)
    if estate:
        qs = qs.filter(estate_id=estate)
    if company:
        qs = qs.filter(company_id=company)
    if town:
        qs = qs.filter(estate__town_id=town)
    if category:
        qs = qs.filter(category__code=category)
    if overdue is True:
        qs = qs.filter(overdue_q(now))
    elif overdue is False:
        qs = qs.exclude(overdue_q(now))
    if mine:
        qs = qs.filter(Q(reporter=user) | Q(assignee=user))
    if ordering == "deadline":
        return qs.order_by("complete_due_at", "pk")
    return qs.order_by("-created_at", "-pk")


def home_named(user, estate, building_number: str | None, room_number: str | None):
    """The home a caller names by building and room number, in ``estate`` and the user's reach,
    or ValidationError (a dispatcher registering a call about a home)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from fangguan.registry.models import Home

    if not building_number or not room_number:
        raise ValidationError({"room_number": [_("Give the building and room number of the home.")]})
    home = Home.objects.visible_to(user).filter(
        building__estate=estate, building__number=building_number, room_number=room_number).first()
    if home is None:
        raise ValidationError({"room_number": [_("No such home in this estate.")]})
    return home


def people_concerned(request: RepairRequest, event) -> list:
    """Who should be told about ``event``: the reporter, the assignee, the dispatchers of the
    company serving the estate, the committee or town staff it was escalated to, the officer who
    wrote a supervision note when it is answered — never the actor themself."""
    User = get_user_model()
    ids: set[int] = set()
    if request.reporter_id:
        ids.add(request.reporter_id)
    if request.assignee_id:
        ids.add(request.assignee_id)
    dispatchers = serving_staff(request.estate_id, roles=(Role.COMPANY_MANAGER, Role.DISPATCHER))
    ids.update(dispatchers.values_list("pk", flat=True))
    active = Q(memberships__active=True, memberships__organisation__active=True, is_active=True)
    data = event.data or {}
    estate = request.estate
    levels = set()
    if event.kind == EventKind.ESCALATED:
        levels.add(data.get("level"))
    elif event.kind == EventKind.ACKNOWLEDGED:
        levels.update(request.escalations.filter(pk__in=data.get("escalations") or []).values_list("level", flat=True))
    if Level.COMMITTEE in levels:
        ids.update(User.objects.filter(active, memberships__organisation__kind=OrgKind.NEIGHBOURHOOD,
                                       memberships__organisation__neighbourhood_id=estate.neighbourhood_id)
                   .values_list("pk", flat=True))
    if Level.TOWN in levels:
        ids.update(User.objects.filter(active, memberships__organisation__kind=OrgKind.TOWN_OFFICE,
                                       memberships__organisation__town_id=estate.town_id)
                   .values_list("pk", flat=True))
    if event.kind == EventKind.ANSWERED and data.get("supervision"):
        by = Supervision.objects.filter(pk=data["supervision"]).values_list("by_id", flat=True).first()
        if by:
            ids.add(by)
    ids.discard(event.actor_id)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _period(date_from: dt.date | None, date_to: dt.date | None) -> Q:
    # The first and last days the calendar can hold bound nothing (and would overflow when turned
    # into UTC instants): from 0001-01-01 or to 9999-12-31 is "from the start", "to the end".
    q = Q()
    if date_from and date_from > dt.date.min + dt.timedelta(days=1):
        q &= Q(created_at__gte=dt.datetime.combine(date_from, dt.time(0), tzinfo=LOCAL))
    if date_to and date_to < dt.date.max - dt.timedelta(days=1):
        q &= Q(created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL))
    return q


# The figures over the scoped rows (``t``): the two %s are ``now``. COUNT, not SUM, so an empty
# total is 0, not NULL. Withdrawn = rejected or cancelled: nothing was left to complete.
_COLUMNS = ("status", "created_at", "responded_at", "response_due_at", "completed_at", "complete_due_at",
            "reopen_count", "rating")
_WITHDRAWN = f"('{Status.CANCELLED}', '{Status.REJECTED}')"
_FIGURES = ", ".join([
    "COUNT(*)",
    f"COUNT(CASE WHEN responded_at IS NOT NULL OR (response_due_at < %s AND status <> '{Status.CANCELLED}') "
    "THEN 1 END)",
    "COUNT(CASE WHEN responded_at <= response_due_at THEN 1 END)",
    f"COUNT(CASE WHEN status NOT IN {_WITHDRAWN} AND (completed_at IS NOT NULL OR complete_due_at < %s) THEN 1 END)",
    f"COUNT(CASE WHEN status NOT IN {_WITHDRAWN} AND completed_at <= complete_due_at THEN 1 END)",
    "COUNT(CASE WHEN completed_at IS NOT NULL OR reopen_count > 0 THEN 1 END)",
    "COUNT(CASE WHEN reopen_count > 0 THEN 1 END)",
    "COUNT(rating)",
    "SUM(rating)",
])
_HOURS = "EXTRACT(EPOCH FROM completed_at - created_at) / 3600"
_NAMES = ("g", "g_name", "volume", "response_counted", "response_on_time", "complete_counted", "complete_on_time",
          "ever_completed", "reopened", "rated", "rating_sum", "median")


def repair_stats(user, group_by: str = "company", date_from: dt.date | None = None,
                 date_to: dt.date | None = None, now: dt.datetime | None = None, *, full: bool = False) -> dict:
    """Figures per company, estate or town for requests filed in [from, to] (Shanghai days):

    - volume: requests filed (merged duplicates not counted);
    - on-time response %: responded by the response deadline, of those responded or past it;
    - on-time completion %: completed by the completion deadline, of those completed or past it
      (rejected and cancelled requests had nothing to complete);
    - reopen rate %: reopened at least once, of those ever completed;
    - satisfaction: the reporters' mean rating (1–5), with how many rated;
    - median hours from filing to (last) completion.

    One pass over the requests, the median exact. Where ``FANGGUAN_REPAIR_FIGURES_FROM_CELLS`` is
    on, staff whose reach is a set of estates (and the bureau) are answered from the figures' cells
    instead (``repairs.figures``: the median exact to within its bucket); a resident's own
    requests, and ``full=True``, always by the pass.
    """
    if group_by not in GROUPS:
        raise ValueError(group_by)
    now = now or timezone.now()
    key, label = GROUPS[group_by]
    base = RepairRequest.objects.visible_to(user).filter(merged_into__isnull=True).filter(_period(date_from, date_to))
    # the scoped rows (``visible_to`` applies the scope rule), then every figure in one pass over them
    if not full and settings.FANGGUAN_REPAIR_FIGURES_FROM_CELLS and reads_by_estate(user):
        rows, total = figures.from_cells(user, key, date_from, date_to, now, base)
        return _answer(group_by, date_from, date_to, rows, total)
    scoped = base.annotate(g=F(key), g_name=F(label)).values("g", "g_name", *_COLUMNS).order_by()
    inner, inner_params = scoped.query.sql_with_params()
    at = connection.ops.adapt_datetimefield_value(now)
    params = (at, at, *inner_params)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # groups and total in one pass, the median in the database
            cursor.execute(
                f"SELECT g, g_name, {_FIGURES}, percentile_cont(0.5) WITHIN GROUP (ORDER BY {_HOURS}) "  # noqa: S608
                f"FROM ({inner}) AS t GROUP BY GROUPING SETS ((g, g_name), ()) "
                "ORDER BY GROUPING(g, g_name), g_name, g", params)
            found = [dict(zip(_NAMES, r, strict=True)) for r in cursor.fetchall()]
            rows, total = found[:-1], found[-1]
        else:  # SQLite (development, tests) has no ordered-set aggregate: the medians from the hours
            cursor.execute(f"SELECT g, g_name, {_FIGURES}, NULL FROM ({inner}) AS t "  # noqa: S608
                           "GROUP BY g, g_name ORDER BY g_name, g", params)
            rows = [dict(zip(_NAMES, r, strict=True)) for r in cursor.fetchall()]
            total = {name: sum(r[name] or 0 for r in rows) for name in _NAMES[2:-1]}
            hours: dict = {}
            for k, created, completed in scoped.filter(completed_at__isnull=False).values_list(
                    "g", "created_at", "completed_at"):
                hours.setdefault(k, []).append((completed - created).total_seconds() / 3600)
            for r in rows:
                r["median"] = statistics.median(hours[r["g"]]) if hours.get(r["g"]) else None
            every = [h for group in hours.values() for h in group]
            total["median"] = statistics.median(every) if every else None

    return _answer(group_by, date_from, date_to, rows, total)


def repair_stats_full(user, group_by: str = "company", date_from: dt.date | None = None,
                      date_to: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    """The figures by one pass over the requests (what the cells are checked against)."""
    return repair_stats(user, group_by, date_from, date_to, now, full=True)


def _answer(group_by, date_from, date_to, rows, total) -> dict:
    def shape(row):
        return {
            "volume": row["volume"],
            "responses_counted": row["response_counted"],
            "on_time_response_percent": _percent(row["response_on_time"], row["response_counted"]),
            "completions_counted": row["complete_counted"],
            "on_time_completion_percent": _percent(row["complete_on_time"], row["complete_counted"]),
            "reopen_rate_percent": _percent(row["reopened"], row["ever_completed"]),
            "rated": row["rated"],
            "satisfaction": round(row["rating_sum"] / row["rated"], 2) if row["rated"] else None,
            "median_hours_to_complete": round(float(row["median"]), 1) if row["median"] is not None else None,
        }

    items = [{"group": {"id": r["g"], "name": r["g_name"] or "—"}, **shape(r)} for r in rows]
    return {"group_by": group_by, "from": date_from, "to": date_to, "items": items, "total": shape(total)}
