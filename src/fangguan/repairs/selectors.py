"""Every non-trivial read of repair requests: the scoped, filtered lists (queue, overdue), who is
concerned by an event, and the figures per company / estate / town (one function: ``repair_stats``,
which the API, the stats page, its chart and its export all use)."""

from __future__ import annotations

import datetime as dt
import statistics

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from fangguan.accounts.choices import OrgKind, Role
from fangguan.registry.models import Contract

from .choices import WORKING, EventKind, Level, Status
from .deadlines import LOCAL
from .models import RepairRequest, Supervision

GROUPS = {
    "company": ("company_id", "company__name"),
    "estate": ("estate_id", "estate__name"),
    "town": ("estate__town_id", "estate__town__name"),
}


def overdue_q(now: dt.datetime) -> Q:
    """Still with the company and past a deadline it has not met (response or completion)."""
    return Q(status__in=WORKING) & (
        Q(responded_at__isnull=True, response_due_at__lt=now) | Q(complete_due_at__lt=now))


def requests_for(user, *, status=None, estate=None, company=None, town=None, category=None,
                 overdue=None, mine=False, ordering="-created", now=None):
    """The list behind the API, the queue and the overdue pages: always through ``visible_to``."""
    now = now or timezone.now()
    qs = RepairRequest.objects.visible_to(user).select_related(
        "estate", "estate__town", "category", "company", "building", "home", "assignee")
    if status:
        qs = qs.filter(status=status)
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
    today = timezone.localdate()
    serving = Contract.objects.as_of(today).filter(area__estate_id=request.estate_id).values("company_id")
    active = Q(memberships__active=True, memberships__organisation__active=True, is_active=True)
    dispatchers = User.objects.filter(active, memberships__organisation__kind=OrgKind.COMPANY,
                                      memberships__organisation__company_id__in=serving,
                                      memberships__role__in=(Role.COMPANY_MANAGER, Role.DISPATCHER))
    ids.update(dispatchers.values_list("pk", flat=True))
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
    q = Q()
    if date_from:
        q &= Q(created_at__gte=dt.datetime.combine(date_from, dt.time(0), tzinfo=LOCAL))
    if date_to:
        q &= Q(created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL))
    return q


def repair_stats(user, group_by: str = "company", date_from: dt.date | None = None,
                 date_to: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    """Figures per company, estate or town for requests filed in [from, to] (Shanghai days):

    - volume: requests filed (merged duplicates not counted);
    - on-time response %: responded by the response deadline, of those responded or past it;
    - on-time completion %: completed by the completion deadline, of those completed or past it
      (rejected and cancelled requests had nothing to complete);
    - reopen rate %: reopened at least once, of those ever completed;
    - satisfaction: the reporters' mean rating (1–5), with how many rated;
    - median hours from filing to (last) completion.
    """
    if group_by not in GROUPS:
        raise ValueError(group_by)
    now = now or timezone.now()
    key, label = GROUPS[group_by]
    base = RepairRequest.objects.visible_to(user).filter(merged_into__isnull=True).filter(_period(date_from, date_to))
    not_withdrawn = ~Q(status__in=(Status.CANCELLED, Status.REJECTED))
    response_due = Q(responded_at__isnull=False) | (Q(response_due_at__lt=now) & ~Q(status=Status.CANCELLED))
    complete_due = not_withdrawn & (Q(completed_at__isnull=False) | Q(complete_due_at__lt=now))
    figures = dict(
        volume=Count("pk"),
        response_counted=Count("pk", filter=response_due),
        response_on_time=Count("pk", filter=Q(responded_at__lte=F("response_due_at"))),
        complete_counted=Count("pk", filter=complete_due),
        complete_on_time=Count("pk", filter=not_withdrawn & Q(completed_at__lte=F("complete_due_at"))),
        ever_completed=Count("pk", filter=Q(completed_at__isnull=False) | Q(reopen_count__gt=0)),
        reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        rated=Count("rating"),
        rating_mean=Avg("rating"),
    )
    rows = list(base.values(key, label).annotate(**figures).order_by(label, key))
    total = base.aggregate(**figures)
    durations: dict = {}
    for k, created, completed in base.filter(completed_at__isnull=False).values_list(key, "created_at",
                                                                                     "completed_at"):
        durations.setdefault(k, []).append((completed - created).total_seconds() / 3600)
    every = [h for hours in durations.values() for h in hours]

    def shape(row, hours):
        return {
            "volume": row["volume"],
            "responses_counted": row["response_counted"],
            "on_time_response_percent": _percent(row["response_on_time"], row["response_counted"]),
            "completions_counted": row["complete_counted"],
            "on_time_completion_percent": _percent(row["complete_on_time"], row["complete_counted"]),
            "reopen_rate_percent": _percent(row["reopened"], row["ever_completed"]),
            "rated": row["rated"],
            "satisfaction": round(row["rating_mean"], 2) if row["rating_mean"] is not None else None,
            "median_hours_to_complete": round(statistics.median(hours), 1) if hours else None,
        }

    items = [{"group": {"id": r[key], "name": r[label] or "—"}, **shape(r, durations.get(r[key], []))}
             for r in rows]
    return {"group_by": group_by, "from": date_from, "to": date_to, "items": items,
            "total": shape(total, every)}
