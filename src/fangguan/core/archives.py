"""Zip archives read from uploads (.xlsx workbooks are zips): checked before anything parses them.

A workbook's size limit counts compressed bytes; its XML can expand a thousandfold (a 200 KB file
whose shared strings hold 200 MB drove an import worker from 173 MB to 955 MB). ``check_archive``
reads the central directory — number of parts, each part's declared size and compression ratio,
their total — and then inflates every part in a stream, counting the bytes that really come out
(a part may declare less than it holds), stopping at the first limit passed. Nothing is kept in
memory. Limits are settings with safe defaults (``FANGGUAN_ARCHIVE_*``, docs/security.md).
"""

from __future__ import annotations

import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHUNK = 1 << 16


class ArchiveRefused(ValidationError):
    """The archive passes a limit: refused with a Chinese message, nothing read."""


def limits() -> dict[str, int]:
    return {
        "total": int(getattr(settings, "FANGGUAN_ARCHIVE_MAX_BYTES", 200 * 1024 * 1024)),
        "part": int(getattr(settings, "FANGGUAN_ARCHIVE_MAX_PART_BYTES", 100 * 1024 * 1024)),
        "ratio": int(getattr(settings, "FANGGUAN_ARCHIVE_MAX_RATIO", 100)),
        "parts": int(getattr(settings, "FANGGUAN_ARCHIVE_MAX_PARTS", 1000)),
    }


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}"


def check_archive(fh: IO[bytes]) -> None:
    """Raise ArchiveRefused if the zip in ``fh`` (binary, seekable) passes a limit; rewinds ``fh``."""
    lim = limits()
    try:
        fh.seek(0)
        with zipfile.ZipFile(fh) as book:
            parts = book.infolist()
            if len(parts) > lim["parts"]:
                raise ArchiveRefused(_("The file holds %(n)s parts; at most %(max)s are accepted.") % {
                    "n": len(parts), "max": lim["parts"]})
            declared = 0
            for part in parts:
                _check_part(part.filename, part.file_size, part.compress_size, lim)
                declared += part.file_size
                if declared > lim["total"]:
                    raise _too_big(lim)
            total = 0
            for part in parts:
                if part.is_dir():
                    continue
                size = 0
                with book.open(part) as stream:
                    while chunk := stream.read(CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        _check_part(part.filename, size, part.compress_size, lim)
                        if total > lim["total"]:
                            raise _too_big(lim)
    except ArchiveRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError,
            ValueError):
        raise ArchiveRefused(_("The file is damaged or is not a valid workbook.")) from None
    finally:
        fh.seek(0)


def _too_big(lim) -> ArchiveRefused:
    return ArchiveRefused(_("Unpacked, the file would be larger than %(mb)s MB: split it into smaller files.") % {
        "mb": _mb(lim["total"])})


def _check_part(name: str, size: int, compressed: int, lim) -> None:
    if size > lim["part"]:
        raise ArchiveRefused(_("A part of the file (%(part)s) unpacks to more than %(mb)s MB: split it into smaller files.")
                             % {"part": name[:60], "mb": _mb(lim["part"])})
    # tiny parts compress little and may show any ratio; a bomb is large and compresses enormously
    if size > 1024 * 1024 and size > lim["ratio"] * max(compressed, 1):
        raise ArchiveRefused(_("A part of the file (%(part)s) is compressed %(ratio)s times, more than the %(max)s "
                               "accepted: the file looks like a compression bomb.") % {
            "part": name[:60], "ratio": size // max(compressed, 1), "max": lim["ratio"]})
