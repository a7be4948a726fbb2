"""Nightly backups and their retention: 7 daily, 4 weekly, 12 monthly (settings), counted in
Shanghai time. The clock is moved night by night with time_machine; the backup itself is
replaced by an empty archive file so that fifteen months run in a second (the drill tests take
real backups)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from fangguan.ops import backup as backup_module
from fangguan.ops import tasks
from fangguan.ops.backup import NAME_FORMAT

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _fake_backup(*, to=None, now=None):
    from django.utils import timezone

    now = timezone.now()
    path = backup_module.backup_dir() / now.astimezone(dt.UTC).strftime(NAME_FORMAT)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return backup_module.Result(path, {"records": 0, "files": {}}, 0.0)


def _local_day(path) -> dt.date:
    return dt.datetime.strptime(path.name, NAME_FORMAT).replace(tzinfo=dt.UTC).astimezone(SHANGHAI).date()


def test_fifteen_months_of_nightly_backups_keep_7_daily_4_weekly_12_monthly(settings, tmp_path, monkeypatch):
    settings.FANGGUAN_BACKUP_DIR = tmp_path
    monkeypatch.setattr(backup_module, "backup", _fake_backup)
    night = dt.datetime(2026, 1, 1, 2, 30, tzinfo=SHANGHAI)
    most = 0
    while night.date() <= dt.date(2027, 3, 15):
        with time_machine.travel(night, tick=False):
            tasks.nightly_backup()
        most = max(most, len(list(tmp_path.glob("fangguan-*.tar"))))
        night += dt.timedelta(days=1)
    kept = sorted(_local_day(p) for p in tmp_path.glob("fangguan-*.tar"))
    D = dt.date
    # 2027-03-15 is a Monday. Daily: 9–15 March. Weekly (ISO weeks): Mon 15 Mar, Sun 14 Mar,
    # Sun 7 Mar, Sun 28 Feb. Monthly: the last night of each month, April 2026 to February 2027,
    # and 15 March.
    expected = sorted({
        *(D(2027, 3, d) for d in range(9, 16)),
        D(2027, 3, 7), D(2027, 2, 28), D(2027, 1, 31), D(2026, 12, 31), D(2026, 11, 30), D(2026, 10, 31),
        D(2026, 9, 30), D(2026, 8, 31), D(2026, 7, 31), D(2026, 6, 30), D(2026, 5, 31), D(2026, 4, 30),
    })
    assert kept == expected
    assert most <= 7 + 4 + 12 + 1  # never more than the rules keep, plus the night's new one


def test_the_retention_counts_are_settings(settings, tmp_path, monkeypatch):
    settings.FANGGUAN_BACKUP_DIR = tmp_path
    settings.FANGGUAN_BACKUP_KEEP_DAILY, settings.FANGGUAN_BACKUP_KEEP_WEEKLY = 2, 0
    settings.FANGGUAN_BACKUP_KEEP_MONTHLY = 1
    monkeypatch.setattr(backup_module, "backup", _fake_backup)
    for day in range(1, 11):
        with time_machine.travel(dt.datetime(2026, 6, day, 2, 30, tzinfo=SHANGHAI), tick=False):
            tasks.nightly_backup()
    assert sorted(_local_day(p).day for p in tmp_path.glob("fangguan-*.tar")) == [9, 10]


def test_a_partial_archive_left_by_a_killed_backup_is_never_kept_as_good(settings, tmp_path, monkeypatch):
    settings.FANGGUAN_BACKUP_DIR = tmp_path
    monkeypatch.setattr(backup_module, "backup", _fake_backup)
    stale = tmp_path / ".fangguan-20260601T183000Z.tar.partial"
    stale.write_bytes(b"half")
    with time_machine.travel(dt.datetime(2026, 6, 3, 2, 30, tzinfo=SHANGHAI), tick=False):
        import os

        os.utime(stale, (dt.datetime(2026, 6, 1, tzinfo=dt.UTC).timestamp(),) * 2)
        tasks.nightly_backup()
    assert not stale.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["fangguan-20260602T183000Z.tar"]


@pytest.mark.parametrize(("utc", "runs"), [
    (dt.datetime(2026, 12, 5, 18, 30), True),  # 02:30 in Shanghai
    (dt.datetime(2026, 12, 5, 18, 31), False),
    (dt.datetime(2026, 12, 5, 2, 30), False),
])
def test_the_nightly_task_runs_at_half_past_two_shanghai_time(utc, runs):
    assert tasks.backup_nightly.task_class().validate_datetime(utc) is runs
