"""Which backups to keep: the newest of each of the last N days, N weeks and N months
(FANGGUAN_BACKUP_KEEP_DAILY 7, _WEEKLY 4, _MONTHLY 12), counted in local time; a backup kept by
any rule stays. Only files named like our archives are ever removed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .backup import NAME_FORMAT


def archives(directory: Path) -> list[tuple[dt.datetime, Path]]:
    found = []
    for path in directory.glob("fangguan-*.tar"):
        try:
            when = dt.datetime.strptime(path.name, NAME_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
        found.append((when, path))
    return sorted(found, reverse=True)


def _newest_per(times: Iterable[dt.datetime], key: Callable[[dt.date], object], n: int) -> set[dt.datetime]:
    kept, buckets = set(), set()
    for when in times:  # newest first
        bucket = key(timezone.localtime(when).date())
        if bucket in buckets:
            continue
        if len(buckets) == n:
            break
        buckets.add(bucket)
        kept.add(when)
    return kept


def to_keep(times: list[dt.datetime], *, daily: int, weekly: int, monthly: int) -> set[dt.datetime]:
    times = sorted(times, reverse=True)
    return (_newest_per(times, lambda d: d, daily)
            | _newest_per(times, lambda d: d.isocalendar()[:2], weekly)
            | _newest_per(times, lambda d: (d.year, d.month), monthly))


def policy() -> dict[str, int]:
    return {"daily": settings.FANGGUAN_BACKUP_KEEP_DAILY, "weekly": settings.FANGGUAN_BACKUP_KEEP_WEEKLY,
            "monthly": settings.FANGGUAN_BACKUP_KEEP_MONTHLY}


def prune(directory: Path, *, now: dt.datetime | None = None) -> list[Path]:
    """Remove the archives no rule keeps, and partial files a killed backup left a day ago or
    more. Returns the removed paths."""
    now = now or timezone.now()
    found = archives(directory)
    keep = to_keep([when for when, _ in found], **policy())
    removed = [path for when, path in found if when not in keep]
    for stale in directory.glob(".fangguan-*.tar.partial"):
        if now.timestamp() - stale.stat().st_mtime > 24 * 3600:
            removed.append(stale)
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
