"""Issue 14, severe 3: an upload's archive is checked before anything reads it (uncompressed total,
per part, compression ratio, number of parts), and images within Pillow's pixel limit."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fangguan.imports.models import ImportJob
from fangguan.imports.reading import FileProblem, open_table
from fangguan.imports.specs import get_spec

from ..imports.conftest import xlsx_bytes
from ..imports.test_api_and_command import upload

HEADER = [["小区编码", "设施类型", "位置", "数量"], ["IMP001", "非机动车集中充电场所", "东门", 1]]


def bomb(megabytes: int) -> bytes:
    """A real workbook whose shared strings expand to ``megabytes`` MB (compressed ~1000 times)."""
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes(HEADER)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in good.namelist():
            if name != "xl/sharedStrings.xml":
                z.writestr(name, good.read(name))
        with z.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * (1 << 20)
            for _ in range(megabytes):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def test_the_issues_200_mb_bomb_is_refused_before_it_is_stored(place, api):
    content = bomb(200)
    assert len(content) < 400_000  # the issue's was 205,905 bytes
    jobs = ImportJob.objects.count()
    r = upload(api("admin"), "facilities", content, name="facilities.xlsx")
    assert r.status_code == 422, r.content
    assert "压缩" in r.json()["detail"] or "解压" in r.json()["detail"] or "MB" in r.json()["detail"]
    assert ImportJob.objects.count() == jobs


def test_a_stored_bomb_is_refused_by_the_reader_too(place):
    with pytest.raises(FileProblem):
        open_table(io.BytesIO(bomb(20)), "x.xlsx", get_spec("facilities"))


@pytest.mark.parametrize(("setting", "value"), [
    ("FANGGUAN_ARCHIVE_MAX_PARTS", 3),
    ("FANGGUAN_ARCHIVE_MAX_BYTES", 2000),
    ("FANGGUAN_ARCHIVE_MAX_PART_BYTES", 500),
])
def test_each_limit_is_a_setting(place, api, settings, setting, value):
    content = xlsx_bytes(HEADER)
    assert upload(api("admin"), "facilities", content, name="ok.xlsx", dry_run="true").status_code == 202
    setattr(settings, setting, value)
    jobs = ImportJob.objects.count()
    r = upload(api("admin"), "facilities", content, name="ok.xlsx", dry_run="true")
    assert r.status_code == 422 and r.json()["detail"]
    assert ImportJob.objects.count() == jobs


def test_a_part_that_lies_about_its_size_is_refused(place):
    """The headers say 10 bytes; inflating gives 30 MB: the check does not trust the headers
    (it inflates and counts, and a part that does not match its header is a damaged file)."""
    from fangguan.core.archives import ArchiveRefused, check_archive

    content = bytearray(bomb(30))
    z = zipfile.ZipFile(io.BytesIO(bytes(content)))
    info = z.getinfo("xl/sharedStrings.xml")
    # patch the declared size in the central directory entry and the local header
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := content.find(sig, start)) != -1:
            name_len = struct.unpack("<H", content[start + (26 if sig == b"PK\x03\x04" else 28):][:2])[0]
            head = 30 if sig == b"PK\x03\x04" else 46
            if content[start + head:start + head + name_len] == info.filename.encode():
                content[start + offset:start + offset + 4] = struct.pack("<I", 10)
            start += 4
    with pytest.raises(ArchiveRefused):
        check_archive(io.BytesIO(bytes(content)))


def png(width: int, height: int) -> bytes:
    """A tiny PNG that declares ``width`` × ``height`` pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("size", [(20_000, 20_000), (7_000, 7_000)])
def test_images_past_the_pixel_limit_are_refused_everywhere(size):
    from fangguan.core.images import check_image
    from fangguan.repairs.services import check_image as check_photo

    for check in (check_image, check_photo):
        with pytest.raises(ValidationError) as refused:
            check(SimpleUploadedFile("bomb.png", png(*size)))
        assert "像素" in str(refused.value) or "pixels" in str(refused.value)
    assert check_image(SimpleUploadedFile("ok.png", png(100, 100)))[1:] == (100, 100)
