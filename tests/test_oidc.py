"""The identity-provider login adapter (issue #6): off by default; when configured, an identity
is matched to an existing active account and never creates one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = {
    "FANGGUAN_OIDC_CLIENT_ID": "fangguan-test",
    "FANGGUAN_OIDC_CLIENT_SECRET": "s3cret",
    "FANGGUAN_OIDC_AUTHORIZATION_ENDPOINT": "https://idp.example.gov.cn/authorize",
    "FANGGUAN_OIDC_TOKEN_ENDPOINT": "https://idp.example.gov.cn/token",
    "FANGGUAN_OIDC_USERINFO_ENDPOINT": "https://idp.example.gov.cn/userinfo",
    "FANGGUAN_OIDC_ISSUER_NAME": "随申办",
}


def test_off_by_default(db):
    page = Client(HTTP_HOST="127.0.0.1").get("/login/").content.decode()
    assert "随申办" not in page
    assert Client(HTTP_HOST="127.0.0.1").get("/oidc/authenticate/").status_code == 404


def test_identity_matches_an_existing_active_account_only(users, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = PROVIDER["FANGGUAN_OIDC_TOKEN_ENDPOINT"]
    settings.OIDC_OP_USER_ENDPOINT = PROVIDER["FANGGUAN_OIDC_USERINFO_ENDPOINT"]
    settings.OIDC_RP_CLIENT_ID = "x"
    settings.OIDC_RP_CLIENT_SECRET = "y"
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    from fangguan.accounts.oidc import FangguanOIDCBackend

    backend = FangguanOIDCBackend()
    assert list(backend.filter_users_by_claims({"preferred_username": "zhujing"})) == [users["zhujing"]]
    assert not backend.filter_users_by_claims({"preferred_username": "nobody"}).exists()
    assert not backend.filter_users_by_claims({"sub": "zhujing"}).exists()
    assert backend.create_user({"preferred_username": "nobody"}) is None
    users["juweihui"].is_active = False
    users["juweihui"].save()
    assert not backend.filter_users_by_claims({"preferred_username": "juweihui"}).exists()


def test_configured_provider_gets_a_button_and_a_redirect(tmp_path):
    script = (
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='127.0.0.1')\n"
        "page = c.get('/login/').content.decode()\n"
        "assert '随申办' in page and '/oidc/authenticate/' in page, page[:200]\n"
        "r = c.get('/oidc/authenticate/')\n"
        "assert r.status_code == 302 and r['Location'].startswith('https://idp.example.gov.cn/authorize?'), r\n"
        "assert 'client_id=fangguan-test' in r['Location']\n"
        "print('ok')\n"
    )
    env = {**os.environ, **PROVIDER, "FANGGUAN_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/o.sqlite3"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    r = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stdout + r.stderr


@pytest.mark.parametrize("missing", ["FANGGUAN_OIDC_TOKEN_ENDPOINT"])
def test_half_configured_provider_stops_start_up(tmp_path, missing):
    env = {**os.environ, **PROVIDER, "FANGGUAN_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/o.sqlite3"}
    env.pop(missing)
    r = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode != 0 and missing in r.stderr
