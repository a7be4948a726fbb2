"""Web and API hardening (issue #6): headers on every response, a strict CSP, the deploy check
with production settings, no CDN, size limits."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]
KEYS = '{"active":"k1","keys":{"k1":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="},"index_key":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="}'


@pytest.fixture
def admin_client(db):
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username="admin", password="Fangguan-demo-2026")
    return client


@pytest.mark.parametrize("path", ["/login/", "/", "/r/estates/", "/api/v1/estates", "/api/v1/docs", "/healthz"])
def test_security_headers_everywhere(admin_client, path):
    r = (Client(HTTP_HOST="127.0.0.1") if path == "/login/" else admin_client).get(path)
    assert r.status_code == 200, path
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp


def test_api_docs_load_nothing_from_elsewhere(admin_client):
    html = admin_client.get("/api/v1/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") or s.startswith("data:") for s in sources), sources


def test_deploy_check_passes_with_production_settings():
    env = {**os.environ, "FANGGUAN_ENV": "production", "DJANGO_SECRET_KEY": "x" * 20 + "Kq9!zL2#vR7$wP4^tN8&mB1*cX5(dF3)",
           "FANGGUAN_DATA_KEYS": KEYS, "DJANGO_ALLOWED_HOSTS": "fangguan.example.gov.cn",
           "DATABASE_URL": "sqlite:///:memory:"}
    r = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_production_refuses_to_start_without_its_secrets():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_SECRET", "FANGGUAN_DATA"))}
    env.update({"FANGGUAN_ENV": "production", "DATABASE_URL": "sqlite:///:memory:"})
    r = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode != 0 and "DJANGO_SECRET_KEY" in r.stderr


def test_oversized_request_is_refused(admin_client):
    from django.conf import settings

    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    r = admin_client.post("/api/v1/estates", body, content_type="application/json")
    assert r.status_code in (400, 413)


def test_logs_never_carry_identity_numbers_or_phones(caplog):
    import logging

    from fangguan.core.logging import MaskPersonalData

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "lookup %s by %s", ("11010519491231002X", "13812345678"), None)
    assert MaskPersonalData().filter(record)
    assert record.getMessage() == "lookup 110***********002X by 138****5678"
    untouched = logging.LogRecord("x", logging.INFO, __file__, 1, "estate 3101160001 has 1200 homes", None, None)
    MaskPersonalData().filter(untouched)
    assert untouched.getMessage() == "estate 3101160001 has 1200 homes"


def test_exception_reports_hide_posted_values(rf):
    from fangguan.core.logging import PersonalDataReporterFilter

    request = rf.post("/r/people/new/", {"name": "张三", "id_number": "11010519491231002X"})
    params = PersonalDataReporterFilter().get_post_parameters(request)
    assert "11010519491231002X" not in str(params) and "张三" not in str(params)


def test_session_authenticated_api_writes_need_the_csrf_token(db):
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    assert client.login(username="admin", password="Fangguan-demo-2026")
    from fangguan.registry.models import Estate

    estate = Estate.objects.first()
    r = client.patch(f"/api/v1/estates/{estate.pk}", '{"address": "CSRF 测试"}', content_type="application/json")
    assert r.status_code in (401, 403)
    estate.refresh_from_db()
    assert estate.address != "CSRF 测试"
    assert client.get("/api/v1/estates").status_code == 200  # reading needs no token
