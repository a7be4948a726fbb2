"""The repair clocks — the one place deadlines are computed, and "overdue" decided.

Urgent requests count clock hours around the clock (2 hours to reach the place, 30 minutes where
the estate has an on-site property office — ``Estate.has_onsite_office``). Ordinary requests
count working days on the official calendar (``CalendarDay``, seeded from ``chinesecalendar``):
the deadline is the end (24:00, Shanghai time) of the N-th working day after the day the request
came in. Beyond the calendar's data weekends rest and weekdays work, and the answer says it was
estimated so the request can be flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q

from fangguan.core.clock import Rung

from . import conf
from .choices import WORKING, Deadline, Level

LOCAL = ZoneInfo("Asia/Shanghai")
# How far a window of calendar rows is read at once: N working days never span more than this.
_WINDOW_PER_DAY = 7
_WINDOW_MIN = 45


@dataclass(frozen=True)
class Due:
    at: dt.datetime
    estimated: bool = False  # some day counted was beyond the official calendar's data


def _calendar(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from .models import CalendarDay

    return dict(CalendarDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "workday"))


def end_of_day(day: dt.date) -> dt.datetime:
    """24:00 of ``day`` in Shanghai, i.e. 00:00 of the next day (aware)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=LOCAL)


def add_workdays(start: dt.datetime, n: int, calendar: dict[dt.date, bool] | None = None) -> Due:
    """The end of the n-th working day after the (Shanghai) day of ``start``. ``calendar`` (day ->
    working?) may be passed in already read, for bulk work such as the demo."""
    first = start.astimezone(LOCAL).date() + dt.timedelta(days=1)
    span = dt.timedelta(days=max(_WINDOW_MIN, n * _WINDOW_PER_DAY))
    read_to = dt.date.max - span if calendar is not None else first + span
    known = calendar if calendar is not None else _calendar(first, read_to)
    day, counted, estimated = first, 0, False
    while True:
        if day > read_to:  # a very long deferral or holiday season: read the next window
            known.update(_calendar(day, day + span))
            read_to = day + span
        if day in known:
            work = known[day]
        else:  # beyond the data: weekdays work, weekends rest
            work, estimated = day.weekday() < 5, True
        if work:
            counted += 1
            if counted >= n:
                return Due(end_of_day(day), estimated)
        day += dt.timedelta(days=1)


@dataclass(frozen=True)
class Deadlines:
    """A request's two deadlines and whether counting them went beyond the official calendar.
    The response is never due after the completion."""

    response: dt.datetime
    complete: dt.datetime
    estimated: bool = False

    @classmethod
    def of(cls, response: Due, complete: Due, *, keep_estimated: bool = False) -> Deadlines:
        return cls(min(response.at, complete.at), complete.at, keep_estimated or response.estimated or complete.estimated)

    def apply(self, request) -> None:
        request.response_due_at, request.complete_due_at = self.response, self.complete
        request.calendar_estimated = self.estimated


# 12345 order kind -> working days to finish (沪府办〔2018〕62号, REQUIREMENTS: "The city hotline
# (12345) limits"): consultation 1, follow-up 3, ordinary request or complaint 5, complex case 15.
HOTLINE_LIMIT_WORKDAYS = {"consultation": 1, "follow_up": 3, "request": 5, "complaint": 5, "complex": 15}


def for_new_request(*, start: dt.datetime, category, urgent: bool, onsite_office: bool,
                    agreed_complete: Due | None = None) -> Deadlines:
    """A new request's deadlines: the category's clocks; a completion agreed with the channel it
    came through (a 12345 order's limit) replaces the category's."""
    response, complete = due_dates(start=start, category=category, urgent=urgent, onsite_office=onsite_office)
    return Deadlines.of(response, agreed_complete or complete)


def hotline_completion(*, kind: str, received_at: dt.datetime, due_at: dt.datetime | None = None) -> Due:
    """When a 12345 order must be finished: its own ``due_at``, else the limit of its kind counted
    in working days from the day the hotline received the call."""
    if due_at is not None:
        return Due(due_at)
    return add_workdays(received_at, HOTLINE_LIMIT_WORKDAYS[kind])


def after_deferral(request, until: dt.date) -> Deadlines:
    """A deferred request is due at the end of the agreed day; a response still owed, no later."""
    complete = end_of_day(until)
    return Deadlines(min(request.response_due_at, complete), complete, request.calendar_estimated)


def after_urgency_change(request, urgent: bool) -> Deadlines:
    """The category's clocks for the new urgency, from the request's start. A response already
    given keeps its deadline; a completion agreed elsewhere — a deferral's day, a 12345 order's
    limit — stays."""
    response, complete = due_dates(start=request.created_at, category=request.category, urgent=urgent,
                                   onsite_office=request.estate.has_onsite_office)
    if request.responded_at is not None:
        response = Due(request.response_due_at)
    if request.deferred_until is not None or request.agreed_complete_at is not None:
        # a later deadline than one already counted beyond the calendar is beyond it too
        return Deadlines.of(response, Due(request.complete_due_at), keep_estimated=request.calendar_estimated)
    return Deadlines.of(response, complete)


def after_reopen(request, now: dt.datetime) -> Deadlines:
    """Reopened work starts the category's clocks afresh from the moment it was reopened."""
    response, complete = due_dates(start=now, category=request.category, urgent=request.urgent,
                                   onsite_office=request.estate.has_onsite_office)
    return Deadlines.of(response, complete)


def ladder() -> tuple[Rung, Rung]:
    """Where a late record goes: the neighbourhood committee when a deadline passes, the town
    office too once the grace hours have passed (repair requests and complaints alike)."""
    return (Rung(Level.COMMITTEE), Rung(Level.TOWN, dt.timedelta(hours=conf.escalation_grace_hours())))


# Which field holds each deadline.
DUE_FIELD = {Deadline.RESPONSE: "response_due_at", Deadline.COMPLETION: "complete_due_at"}


def late_q(deadline: str, before: dt.datetime) -> Q:
    """Requests whose ``deadline`` (response or completion) passed before ``before`` unmet —
    a response is met once given. Status is the caller's (``overdue_q`` adds it)."""
    if deadline == Deadline.RESPONSE:
        return Q(responded_at__isnull=True, response_due_at__lt=before)
    return Q(complete_due_at__lt=before)


def overdue_q(now: dt.datetime) -> Q:
    """Overdue: still with the company and past a deadline it has not met at ``now``. The clock
    escalates these; lists and pages flag them."""
    return Q(status__in=WORKING) & (late_q(Deadline.RESPONSE, now) | late_q(Deadline.COMPLETION, now))


def missed(request, now: dt.datetime) -> list[str]:
    """The deadlines (``Deadline`` values) ``request`` has missed at ``now``: ``overdue_q``'s test
    for one request in hand (pages highlight the one missed)."""
    if request.status not in WORKING:
        return []
    late = []
    if request.responded_at is None and request.response_due_at < now:
        late.append(Deadline.RESPONSE)
    if request.complete_due_at < now:
        late.append(Deadline.COMPLETION)
    return late


def is_workday(day: dt.date) -> bool:
    known = _calendar(day, day)
    return known[day] if day in known else day.weekday() < 5


def due_dates(*, start: dt.datetime, category, urgent: bool, onsite_office: bool,
              calendar: dict[dt.date, bool] | None = None) -> tuple[Due, Due]:
    """(response due, completion due) for a request of ``category`` starting its clock at ``start``."""
    if urgent:
        minutes = category.onsite_response_minutes if onsite_office else category.urgent_response_minutes
        response = Due(start + dt.timedelta(minutes=minutes))
        complete = Due(start + dt.timedelta(hours=category.urgent_complete_hours))
        return response, complete
    return (add_workdays(start, category.response_workdays, calendar),
            add_workdays(start, category.complete_workdays, calendar))


def calendar_rows_from_chinesecalendar() -> list[tuple[dt.date, bool, str]]:
    """Every day the installed ``chinesecalendar`` knows: (day, working day?, holiday name)."""
    import chinese_calendar
    from chinese_calendar import constants

    first = min(constants.holidays)
    # a year is published whole: its last holiday's year is known to 31 December
    last = dt.date(max(constants.holidays).year, 12, 31)
    rows = []
    day = first
    while day <= last:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        work = chinese_calendar.is_workday(day)
        label = ""
        if name and not work:
            label = str(name)
        elif work and day.weekday() >= 5:
            label = "调休上班"
        rows.append((day, work, label))
        day += dt.timedelta(days=1)
    return rows


def seed_calendar(model=None) -> int:
    """Fill the calendar table from ``chinesecalendar`` (days already present are kept)."""
    if model is None:
        from .models import CalendarDay as model
    have = set(model.objects.values_list("day", flat=True))
    rows = [model(day=d, workday=w, name=n) for d, w, n in calendar_rows_from_chinesecalendar() if d not in have]
    model.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
