"""Background export files ask for room as uploads do (``core.disk.ensure_room``: the free-space
margin and the quota): refused before a byte is written, stopped when the disk fills while the
file is written, and a full disk met anyway — each time the job fails with a Chinese reason, no
file is left, and the owner is told."""

from __future__ import annotations

import errno
import os

import pytest

from fangguan.core import disk
from fangguan.exports import services
from fangguan.exports.choices import ExportStatus
from fangguan.exports.models import ExportJob
from fangguan.notifications.models import Notification

pytestmark = pytest.mark.django_db

MARGIN = 1_000_000
REASON = "服务器存储空间不足，导出文件未能生成。请联系系统管理员。"


@pytest.fixture
def room(settings, monkeypatch):
    settings.FANGGUAN_MIN_FREE_DISK_BYTES = MARGIN
    settings.FANGGUAN_UPLOAD_QUOTA_BYTES = 0
    free = {"bytes": 10**12}
    monkeypatch.setattr(disk, "free_bytes", lambda: free["bytes"])
    return free


def _files(settings) -> list[str]:
    root = os.path.join(settings.MEDIA_ROOT, "exports")
    return [f for _d, _s, files in os.walk(root) for f in files]


def _run(users, fmt="csv") -> ExportJob:
    job = ExportJob.objects.create(owner=users["zhujing"], source="homes", format=fmt, rows_total=2000,
                                   language="zh-hans")
    services.run_export(job.pk)
    job.refresh_from_db()
    return job


def _failed_for_room(job, users, settings) -> None:
    assert job.status == ExportStatus.FAILED and job.error == REASON, job.error
    assert not job.file and _files(settings) == []
    note = Notification.objects.filter(recipient=users["zhujing"], topic="exports").latest("pk")
    assert note.body == REASON


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_with_room_the_file_is_written(users, settings, room, fmt):
    room["bytes"] = MARGIN + 2000 * services.BYTES_PER_ROW  # exactly room for the rows, as estimated
    job = _run(users, fmt)
    assert job.status == ExportStatus.SUCCEEDED and _files(settings), job.error


def test_short_of_room_nothing_is_written(users, settings, room):
    room["bytes"] = MARGIN + 2000 * services.BYTES_PER_ROW - 1
    _failed_for_room(_run(users), users, settings)


def test_over_the_quota_nothing_is_written(users, settings, room, monkeypatch):
    settings.FANGGUAN_UPLOAD_QUOTA_BYTES = 5_000_000
    monkeypatch.setattr(disk, "media_usage", lambda **kw: 5_000_000 - 1000)
    _failed_for_room(_run(users), users, settings)


def test_the_disk_filling_while_writing_stops_the_file(users, settings, room, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY_SECONDS", 0)  # a heartbeat after every row
    original = services.write_file

    def filling(*args, **kwargs):
        room["bytes"] = MARGIN  # something else filled the disk as the file was being written
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "write_file", filling)
    _failed_for_room(_run(users), users, settings)


def test_a_full_disk_met_anyway_is_said_in_chinese(users, settings, room, monkeypatch):
    def full(path, *args, **kwargs):
        with open(path, "w") as fh:
            fh.write("id\n")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(services, "write_file", full)
    _failed_for_room(_run(users), users, settings)
