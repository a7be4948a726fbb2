"""Records the import tests work on (codes the demo does not use) and helpers to run a job the
way the API and the pages do: upload, queue, run (huey is eager under tests), read the result."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangguan.accounts.models import User
from fangguan.registry import models as m
from fangguan.registry.choices import ContractKind, EstateType

FILES = Path(__file__).parent / "files"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads and error sheets go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def place(db):
    """An estate in 朱泾镇 (the demo town office's town) and one in 石化街道, each with an area and
    a building; a company serving the second one (as the demo company ``wuye`` does not)."""
    zhujing = m.Town.objects.get(name="朱泾镇")
    shihua = m.Town.objects.get(name="石化街道")
    estate = m.Estate.objects.create(code="IMP001", name="导入测试苑", town=zhujing, estate_type=EstateType.COMMERCIAL,
                                     delivered_on=dt.date(2015, 1, 1), floor_area_m2=Decimal("10000"))
    area = m.ManagementArea.objects.create(estate=estate, code="IMP001-1", name="导入测试苑物业管理区域")
    building = m.Building.objects.create(estate=estate, area=area, number="1号", floors=6)
    other = m.Estate.objects.create(code="IMP002", name="石化导入苑", town=shihua, estate_type=EstateType.SOLD_PUBLIC,
                                    delivered_on=dt.date(1999, 1, 1), floor_area_m2=Decimal("8000"))
    other_area = m.ManagementArea.objects.create(estate=other, code="IMP002-1", name="石化导入苑物业管理区域")
    other_building = m.Building.objects.create(estate=other, area=other_area, number="1号", floors=5)
    wuye = User.objects.get(username="wuye").memberships.get().organisation.company
    m.Contract.objects.create(area=area, company=wuye, kind=ContractKind.FORMAL, start_on=dt.date(2020, 1, 1))

    class Place:
        pass

    p = Place()
    p.__dict__.update(zhujing=zhujing, shihua=shihua, estate=estate, area=area, building=building, other=other,
                      other_area=other_area, other_building=other_building, company=wuye)
    return p


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], sheet: str = "Sheet1") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """``run_import(user, kind, content, name="x.csv", dry_run=False, mode=...)`` → the finished job."""
    from fangguan.imports.services import import_create

    def run(user, kind, content: bytes, name: str = "rows.csv", dry_run: bool = False, mode: str = "all_or_nothing"):
        if isinstance(user, str):
            user = User.objects.get(username=user)
        with django_capture_on_commit_callbacks(execute=True):
            job = import_create(actor=user, kind=kind, upload=SimpleUploadedFile(name, content), filename=name,
                                dry_run=dry_run, mode=mode)
        job.refresh_from_db()
        return job

    return run


def problems(job) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in job.errors]
