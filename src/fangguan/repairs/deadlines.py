"""The repair clocks — the one place deadlines are computed.

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
