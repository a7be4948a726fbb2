"""The clocks across weekends, holidays, make-up workdays (调休) and beyond the calendar's data.

Expected days are read off the official 2026 calendar (REQUIREMENTS: holidays 10/1–7, make-up
workday Saturday 10/10; Spring Festival 2/15–23 with make-up Saturdays 2/14 and 2/28)."""

import datetime as dt

import pytest

from fangguan.repairs.deadlines import LOCAL, add_workdays, due_dates, is_workday
from fangguan.repairs.models import CalendarDay, Category

pytestmark = pytest.mark.django_db


def at(y, mo, d, h=10, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=LOCAL)


def end(y, mo, d):
    """24:00 of that Shanghai day."""
    return dt.datetime(y, mo, d, tzinfo=LOCAL) + dt.timedelta(days=1)


def test_the_calendar_is_seeded_from_chinesecalendar():
    assert CalendarDay.objects.get(day=dt.date(2026, 10, 1)).workday is False
    assert CalendarDay.objects.get(day=dt.date(2026, 10, 10)).workday is True  # Saturday, make-up day
    assert CalendarDay.objects.get(day=dt.date(2026, 2, 14)).workday is True
    assert is_workday(dt.date(2026, 10, 6)) is False


def test_three_working_days_over_a_plain_weekend():
    # Thursday 2026-03-12 -> Fri 13, Mon 16, Tue 17
    due = add_workdays(at(2026, 3, 12, 16), 3)
    assert due.at == end(2026, 3, 17) and not due.estimated


def test_national_day_and_its_make_up_saturday():
    # Tuesday 2026-09-29: Wed 30 works, 10/1–7 rest, Thu 8 and Fri 9 work -> done on Fri 10/9
    assert add_workdays(at(2026, 9, 29), 3).at == end(2026, 10, 9)
    # Thursday 10/8: Fri 9, Sat 10 (调休 workday), Mon 12
    assert add_workdays(at(2026, 10, 8), 3).at == end(2026, 10, 12)


def test_spring_festival_with_make_up_saturdays():
    # Friday 2026-02-13: Sat 2/14 is a workday, 2/15–23 rest, Tue 2/24, Wed 2/25
    assert add_workdays(at(2026, 2, 13), 3).at == end(2026, 2, 25)


def test_a_request_filed_on_a_holiday_starts_counting_after_it():
    assert add_workdays(at(2026, 10, 3, 23, 50), 1).at == end(2026, 10, 8)


def test_the_day_boundary_is_shanghai_time():
    # 23:30 UTC on Thursday is 07:30 Friday in Shanghai: counting starts on Saturday
    utc = dt.datetime(2026, 3, 12, 23, 30, tzinfo=dt.UTC)
    assert add_workdays(utc, 1).at == end(2026, 3, 16)


def test_beyond_the_calendar_weekends_rest_and_the_answer_is_flagged():
    last = CalendarDay.objects.order_by("-day").first().day
    start = dt.datetime.combine(last + dt.timedelta(days=30), dt.time(10), tzinfo=LOCAL)
    while start.weekday() != 3:  # a Thursday
        start += dt.timedelta(days=1)
    due = add_workdays(start, 3)
    assert due.estimated
    assert due.at == end(*(start.date() + dt.timedelta(days=5)).timetuple()[:3])  # Fri, Mon, Tue


def test_a_span_running_off_the_end_of_the_data_is_flagged_too():
    last = CalendarDay.objects.order_by("-day").first().day
    start = dt.datetime.combine(last - dt.timedelta(days=1), dt.time(10), tzinfo=LOCAL)
    assert add_workdays(start, 10).estimated
    assert not add_workdays(at(2026, 3, 2), 3).estimated


def test_urgent_is_counted_in_clock_hours_through_holidays():
    cat = Category(code="x", name="x", urgent=True)
    start = at(2026, 10, 1, 23, 0)  # a holiday, at night
    response, complete = due_dates(start=start, category=cat, urgent=True, onsite_office=False)
    assert response.at == start + dt.timedelta(hours=2)
    assert complete.at == start + dt.timedelta(hours=24)
    response, _ = due_dates(start=start, category=cat, urgent=True, onsite_office=True)
    assert response.at == start + dt.timedelta(minutes=30)


def test_ordinary_uses_the_categorys_working_days():
    cat = Category(code="x", name="x", response_workdays=1, complete_workdays=3)
    response, complete = due_dates(start=at(2026, 9, 30), category=cat, urgent=False, onsite_office=True)
    assert response.at == end(2026, 10, 8)
    assert complete.at == end(2026, 10, 10)  # Thu 8, Fri 9, Sat 10 (调休)
