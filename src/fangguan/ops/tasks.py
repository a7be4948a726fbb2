"""The nightly backup (huey): at FANGGUAN_BACKUP_AT local time (02:30 by default), one archive
into the backup folder, then retention (ops.retention)."""

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)


def _schedule() -> crontab:
    """huey checks crontabs in UTC: the local hour and minute turned into UTC ones."""
    hour, minute = (int(part) for part in settings.FANGGUAN_BACKUP_AT.split(":"))
    local = dt.datetime(2026, 1, 1, hour, minute, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    utc = local.astimezone(dt.UTC)
    return crontab(minute=str(utc.minute), hour=str(utc.hour))


def nightly_backup() -> dict:
    from .backup import backup, backup_dir
    from .retention import prune

    result = backup()
    removed = prune(backup_dir())
    log.info("backup %s: %s records, %s files, %.1f s; %s old archives removed", result.path.name,
             result.manifest["records"], len(result.manifest["files"]), result.seconds, len(removed))
    return {"archive": str(result.path), "removed": [str(p) for p in removed]}


@db_periodic_task(_schedule())
def backup_nightly() -> None:
    nightly_backup()
