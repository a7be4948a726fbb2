"""The figures by town as .xlsx: the page's numbers, a total row, and an entry in the security log."""

from __future__ import annotations

import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from fangguan.core.models import SecurityEvent
from tests.kit.files import without_mark


def _sheet(client, day):
    response = client.get(reverse("dashboard-export"), {"as_of": day})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"registry-by-town-{day}.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    _sheet.years = without_mark(book.worksheets[1].iter_rows(values_only=True))
    return without_mark(book.worksheets[0].iter_rows(values_only=True))


def test_export_holds_the_figures_by_town_and_the_total(client, users, api):
    client.force_login(users["admin"])
    before = SecurityEvent.objects.filter(action="export", object_type="registry_stats").count()
    rows = _sheet(client, "2020-12-31")
    stats = api("admin").get("/api/v1/stats/registry", as_of="2020-12-31").json()
    assert "2020-12-31" in rows[0][0]
    header, body, total = rows[1], rows[2:-1], rows[-1]
    assert [r[0] for r in body] == [t["town"]["name"] for t in stats["by_town"]]
    assert total[0] == "合计" and total[1] == 247 and Decimal(str(total[2])) == Decimal("2385.00")
    assert sum(r[1] for r in body) == total[1]
    by_name = {t["town"]["name"]: t for t in stats["by_town"]}
    for r in body:
        assert r[1] == by_name[r[0]]["estates"]
        assert r[3] == by_name[r[0]]["companies_serving"]
    assert len(header) == len(total) == 15
    assert SecurityEvent.objects.filter(action="export", object_type="registry_stats").count() == before + 1
    years = _sheet.years
    assert years[0][0] == "年份" and sum(r[1] for r in years[1:]) == 247  # every delivery up to 2020


def test_a_town_office_exports_its_town_only(client, users):
    client.force_login(users["zhujing"])
    rows = _sheet(client, "2020-12-31")
    assert [r[0] for r in rows[2:]] == ["朱泾镇", "合计"]
    assert rows[2][1:] == rows[3][1:]
