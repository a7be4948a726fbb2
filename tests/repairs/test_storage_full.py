"""A repair report with photos when the disk is nearly full or the uploads' quota is reached:
refused whole, in Chinese — no request, no photo row, no file — and accepted at exactly the
boundary (core.disk, with the free-space probe faked)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from fangguan.core import disk
from fangguan.repairs.models import Photo, RepairRequest

from .conftest import png_upload

MARGIN = 10 * 1024 * 1024


def files_under(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FANGGUAN_MIN_FREE_DISK_BYTES = MARGIN
    return settings.MEDIA_ROOT


def photos():
    return [png_upload("a.png"), png_upload("b.png")]


@pytest.mark.parametrize(("spare", "kept"), [(-1, False), (0, True)])
def test_photos_need_room_for_all_of_them_above_the_margin(world, media, monkeypatch, spare, kept):
    files = photos()
    need = sum(f.size for f in files)
    monkeypatch.setattr(disk, "free_bytes", lambda: MARGIN + need + spare)
    requests, rows = RepairRequest.objects.count(), Photo.objects.count()
    if kept:
        r = world.file(photos=files)
        assert r.photos.count() == 2 and len(files_under(media)) == 2
        return
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        world.file(photos=files)
    assert "存储空间不足" in " ".join(refused.value.messages)
    assert RepairRequest.objects.count() == requests and Photo.objects.count() == rows
    assert files_under(media) == []


@pytest.mark.parametrize(("spare", "kept"), [(-1, False), (0, True)])
def test_the_uploads_quota(world, media, monkeypatch, spare, kept):
    files = photos()
    need = sum(f.size for f in files)
    monkeypatch.setattr(disk, "media_usage", lambda **kw: 5000)
    with override_settings(FANGGUAN_MIN_FREE_DISK_BYTES=0, FANGGUAN_UPLOAD_QUOTA_BYTES=5000 + need + spare):
        if kept:
            assert world.file(photos=files).photos.count() == 2
            return
        requests = RepairRequest.objects.count()
        with pytest.raises(ValidationError):
            world.file(photos=files)
    assert RepairRequest.objects.count() == requests and files_under(media) == []


def test_the_media_usage_is_the_files_bytes(media, db):
    (media / "a").mkdir(parents=True)
    (media / "a" / "x.bin").write_bytes(b"x" * 1234)
    (media / "y.bin").write_bytes(b"y" * 66)
    assert disk.media_usage(fresh=True) == 1300
