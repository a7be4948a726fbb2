"""The supervision clocks in the background worker, as the system actor (``services`` does the
work; these only say when):

- every five minutes, ``services.tick``: late complaints up the repairs ladder (neighbourhood
  committee, then the town office), handover defects past their 30 days to the bureau, and the
  bureau's officers reminded of disputed breaches to re-check (before the day, and when overdue). The
  deadlines are in working days and the ladder's grace in hours, so five minutes late is
  immaterial, and the tick is idempotent (a run repeated or missed changes nothing but timing);
- every night at 01:10 Shanghai time, ``services.pool_nightly``: pool members whose term ended
  leave, members who no longer meet the admission rules are removed with the reasons. It runs
  before the working day so owners' committees choosing a company see a checked pool, and at
  another minute than the other nightly work (backup 02:30, imports 03:17); first, once
  the standard's day has come (1 February), last year's evaluation is stored
  (``services.evaluation_freeze_due``) so the pool is judged on the published grades."""

import datetime as dt
import zoneinfo

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fangguan.core.context import audit_context

from . import services

POOL_CHECK_AT = (1, 10)  # local time (Asia/Shanghai)


def _local(hour: int, minute: int) -> crontab:
    """huey checks crontabs in UTC: the local hour and minute turned into UTC ones (Shanghai has
    no daylight saving time, so one conversion holds all year)."""
    local = dt.datetime(2026, 1, 1, hour, minute, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    utc = local.astimezone(dt.UTC)
    return crontab(minute=str(utc.minute), hour=str(utc.hour))


@db_periodic_task(crontab(minute="*/5"))
def supervision_tick() -> None:
    with audit_context(cause="supervision_tick"):
        services.tick()


@db_periodic_task(_local(*POOL_CHECK_AT))
def supervision_pool_nightly() -> None:
    with audit_context(cause="evaluation_freeze"):
        services.evaluation_freeze_due()
    with audit_context(cause="pool_nightly"):
        services.pool_nightly()
