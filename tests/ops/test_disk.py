"""Room for uploads (core.disk): the rule at its boundary, every module's files through the
guarded storage, an import refused whole, and a write cut short by a full disk leaving nothing."""

from __future__ import annotations

import errno

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from fangguan.core import disk
from fangguan.imports.models import ImportJob

MARGIN = 1_000_000


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FANGGUAN_MIN_FREE_DISK_BYTES = MARGIN
    return settings.MEDIA_ROOT


def files_under(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(("free", "ok"), [(MARGIN + 100, True), (MARGIN + 99, False), (0, False)])
def test_ensure_room_at_the_boundary(media, monkeypatch, free, ok):
    monkeypatch.setattr(disk, "free_bytes", lambda: free)
    if ok:
        disk.ensure_room(100)
        return
    with translation.override("zh-hans"), pytest.raises(disk.StorageFull) as refused:
        disk.ensure_room(100)
    assert refused.value.messages == ["服务器存储空间不足，文件未保存，也未做任何更改。请联系系统管理员。"]


def test_every_module_saves_through_the_guarded_storage(media, monkeypatch):
    assert isinstance(default_storage, disk.GuardedStorage)
    monkeypatch.setattr(disk, "free_bytes", lambda: MARGIN)
    with pytest.raises(disk.StorageFull):
        default_storage.save("supervision/photos/x.jpg", ContentFile(b"1"))
    assert files_under(media) == []


@pytest.mark.parametrize(("spare", "kept"), [(-1, False), (0, True)])
def test_an_import_upload_is_refused_whole_when_short_of_room(users, media, monkeypatch, spare, kept):
    from fangguan.imports.services import import_create
    from fangguan.imports.specs import get_spec

    header = ",".join(c.header for c in get_spec("estates").columns)
    content = (header + "\n").encode("utf-8-sig")
    monkeypatch.setattr(disk, "free_bytes", lambda: MARGIN + len(content) + spare)
    jobs = ImportJob.objects.count()
    upload = SimpleUploadedFile("rows.csv", content, content_type="text/csv")
    if kept:
        import_create(actor=users["zhujing"], kind="estates", upload=upload, filename="rows.csv", dry_run=True,
                      mode="all_or_nothing", background=False)
        assert ImportJob.objects.count() == jobs + 1
        return
    with pytest.raises(disk.StorageFull):
        import_create(actor=users["zhujing"], kind="estates", upload=upload, filename="rows.csv", dry_run=True,
                      mode="all_or_nothing", background=False)
    assert ImportJob.objects.count() == jobs and files_under(media) == []


def test_a_write_cut_short_by_a_full_disk_leaves_no_partial_file(media, monkeypatch):
    real = FileSystemStorage._save

    def half_then_enospc(self, name, content):
        path = self.path(name)
        import os

        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(b"half a photo")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", half_then_enospc)
    with pytest.raises(disk.StorageFull):
        default_storage.save("repairs/photos/p.png", ContentFile(b"x" * 100))
    assert files_under(media) == []
    monkeypatch.setattr(FileSystemStorage, "_save", real)
    (media / "keep.txt").write_bytes(b"someone else's")
    monkeypatch.setattr(FileSystemStorage, "_save", half_then_enospc)
    with pytest.raises(disk.StorageFull):  # a name already taken: that file is never removed
        default_storage._save("keep.txt", ContentFile(b"x"))
    assert (media / "keep.txt").exists()


def test_the_upload_page_shows_the_refusal_in_chinese(users, media, monkeypatch):
    from django.test import Client

    monkeypatch.setattr(disk, "free_bytes", lambda: 0)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(users["zhujing"])
    jobs = ImportJob.objects.count()
    from fangguan.imports.specs import get_spec

    header = ",".join(c.header for c in get_spec("estates").columns)
    response = client.post("/imports/new/", {"kind": "estates",
                                         "file": SimpleUploadedFile("rows.csv", (header + "\n").encode())})
    assert "存储空间不足" in response.content.decode()
    assert ImportJob.objects.count() == jobs and files_under(media) == []
