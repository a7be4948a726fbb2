"""Room for uploaded files: an upload is refused, in Chinese and before a byte is written, when
the disk would be left with less than ``FANGGUAN_MIN_FREE_DISK_BYTES`` free or the uploaded files
would pass ``FANGGUAN_UPLOAD_QUOTA_BYTES`` (0: no quota).

Why before and not on failure: a disk that fills during a write leaves a truncated photo or scan
behind and, worse, takes the database, the logs and huey's store down with it. The margin keeps
room for them; the quota keeps one installation's uploads within what was bought for it.

The rule is ``ensure_room``. ``GuardedStorage`` (the default file storage) asks it for every file
any module saves — repair photos, vote documents and ballot scans, inspection photos, import files
and error sheets — and removes a file cut short by the disk filling anyway (ENOSPC). Services
that keep several files in one action ask for all of them first (``repairs.services.add_photos``),
so none of them is written when the last would not fit.

The free space comes from ``free_bytes`` (``shutil.disk_usage`` of ``MEDIA_ROOT``'s disk), the
uploads' total from ``media_usage`` (a walk of ``MEDIA_ROOT``, kept in the shared cache for a
minute: a walk over a hundred thousand photos per upload would be slow). Tests fake the probe.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

USAGE_CACHE_KEY = "fangguan:media-usage"
USAGE_CACHE_SECONDS = 60


class StorageFull(ValidationError):
    """An upload refused for want of room; forms and the API show its message (422)."""


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def free_bytes() -> int:
    """Free space on the disk holding the uploaded files (the probe tests replace)."""
    return shutil.disk_usage(_existing(media_root())).free


def media_usage(*, fresh: bool = False) -> int:
    """Bytes of every uploaded file under ``MEDIA_ROOT``."""
    if not fresh:
        cached = cache.get(USAGE_CACHE_KEY)
        if cached is not None:
            return int(cached)
    total = 0
    root = media_root()
    if root.is_dir():
        for base, _dirs, files in os.walk(root):
            for name in files:
                try:
                    total += os.lstat(os.path.join(base, name)).st_size
                except OSError:  # removed while we walked
                    continue
    cache.set(USAGE_CACHE_KEY, total, USAGE_CACHE_SECONDS)
    return total


def _grown(nbytes: int) -> None:
    """The cached total follows what this process just wrote, so quick successive uploads count."""
    cached = cache.get(USAGE_CACHE_KEY)
    if cached is not None:
        cache.set(USAGE_CACHE_KEY, int(cached) + nbytes, USAGE_CACHE_SECONDS)


def refusal() -> str:
    return _("The server is short of storage space, so the file was not saved and nothing was changed. "
             "Please tell the system administrator.")


def ensure_room(nbytes: int) -> None:
    """Raise ``StorageFull`` unless ``nbytes`` more can be stored within the margin and the quota."""
    nbytes = max(0, int(nbytes or 0))
    if free_bytes() - nbytes < settings.FANGGUAN_MIN_FREE_DISK_BYTES:
        raise StorageFull(refusal(), code="disk_full")
    quota = settings.FANGGUAN_UPLOAD_QUOTA_BYTES
    if quota and media_usage() + nbytes > quota:
        raise StorageFull(refusal(), code="quota")


def size_of(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        pos = upload.tell()
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
        upload.seek(pos)
    return int(size)


class GuardedStorage(FileSystemStorage):
    """The default storage: every file saved asks ``ensure_room`` first; a write cut short by a
    full disk leaves no partial file behind."""

    def _save(self, name, content):
        nbytes = size_of(content)
        ensure_room(nbytes)
        path = Path(self.path(name))
        existed = path.exists()
        try:
            saved = super()._save(name, content)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            if not existed:  # the file cut short is ours (FileSystemStorage opens with O_EXCL)
                path.unlink(missing_ok=True)
            raise StorageFull(refusal(), code="disk_full") from exc
        _grown(nbytes)
        return saved
