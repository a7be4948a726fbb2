"""Every report workbook names its sheets in the user's words (issue 18: sheet names were English
slugs — "repairs-by-company", "maintenance-fund-town-…"): Chinese first, English when the user
switched the language. Each file is opened with openpyxl and its sheet names compared with the
hand-written list below."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.conf import settings
from django.test import Client

from fangguan.planning.models import Plan

pytestmark = pytest.mark.django_db

EXCEL_REFUSES = set("[]:*?/\\")

# (path, query, {language: sheet names}) — the hand-written expectation
BOOKS = [
    ("/funds/figures/", {"format": "xlsx", "group_by": "town"},
     {"zh-hans": ["维修资金统计（按街镇）"], "en": ["Fund figures by town"]}),
    ("/funds/figures/", {"format": "xlsx", "group_by": "estate"},
     {"zh-hans": ["维修资金统计（按小区）"], "en": ["Fund figures by estate"]}),
    ("/repairs/stats/export/", {"group_by": "company"},
     {"zh-hans": ["报修统计（按物业企业）"], "en": ["Repair figures by company"]}),
    ("/repairs/stats/export/", {"group_by": "estate"},
     {"zh-hans": ["报修统计（按小区）"], "en": ["Repair figures by estate"]}),
    ("/repairs/stats/export/", {"group_by": "town"},
     {"zh-hans": ["报修统计（按街镇）"], "en": ["Repair figures by town"]}),
    ("/audit/changes/", {"format": "xlsx"}, {"zh-hans": ["变更日志"], "en": ["Change log"]}),
    ("/audit/security/", {"format": "xlsx"}, {"zh-hans": ["安全日志"], "en": ["Security log"]}),
    ("/dashboard/export.xlsx", {}, {"zh-hans": ["分街镇", "历年交付"], "en": ["By town", "Deliveries by year"]}),
    ("/api/v1/estates/export", {"format": "xlsx", "q": None}, {"zh-hans": ["小区"], "en": ["Estates"]}),
]


def _client(users, language: str, username: str = "admin") -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(users[username])
    if language != settings.LANGUAGE_CODE:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _sheets(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(content), read_only=True).sheetnames


def _valid(names: list[str]) -> None:
    for name in names:
        assert 0 < len(name) <= 31 and not EXCEL_REFUSES & set(name), name


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("path", "query", "expected"), BOOKS, ids=[f"{p}{q.get('group_by', '')}" for p, q, _e in BOOKS])
def test_report_workbooks_name_their_sheets_in_the_users_language(users, language, path, query, expected):
    from fangguan.registry.models import Estate

    query = dict(query)
    if "q" in query:  # one estate: a small export is immediate (a large one goes to the background)
        query["q"] = Estate.objects.order_by("pk").values_list("code", flat=True).first()
    headers = {"HTTP_ACCEPT_LANGUAGE": "en" if language == "en" else "zh-hans"}  # the API follows Accept-Language
    reader = "auditor" if path == "/audit/security/" else "admin"  # the security log is the auditors'
    names = _sheets(_client(users, language, reader).get(path, query, **headers))
    assert names == expected[language]
    _valid(names)


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", ["主要指标", "分年度", "“十三五”回顾"]),
    ("en", ["Main indicators", "By year", "13th Five-Year Plan review"]),
])
def test_the_plan_report_names_its_sheets_in_the_users_language(users, language, expected):
    plan = Plan.objects.order_by("pk").first()
    if plan is None:
        pytest.skip("no plan in the demo")
    names = _sheets(_client(users, language).get(f"/plans/{plan.pk}/report.xlsx"))
    assert names == expected
    _valid(names)
