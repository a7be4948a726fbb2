from decimal import Decimal

from fangguan.core.models import ChangeLog
from fangguan.registry import models as m

from .conftest import csv_bytes, problems

HEADER = ["小区编码", "楼号", "单元", "室号", "楼层", "专有面积(㎡)", "用途"]


def test_homes_csv_created_then_unchanged(place, run_import):
    rows = [HEADER, ["IMP001", "1号", "1", "101", "1", "88.5", "住宅"], ["IMP001", "1号", "1", "102", "1", "90", "住宅"]]
    job = run_import("admin", "homes", csv_bytes(rows))
    assert problems(job) == []
    assert (job.status, job.created, job.applied) == ("succeeded", 2, True)
    home = m.Home.objects.get(building=place.building, room_number="101")
    assert home.area_m2 == Decimal("88.50")
    assert ChangeLog.objects.filter(object_type="home", object_id=home.pk, cause=f"import:{job.pk}").count() == 1
    again = run_import("admin", "homes", csv_bytes(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
