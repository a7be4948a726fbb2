"""Shared fixtures: the Jinshan demo (homes for a few estates) loaded once per test session,
its accounts, and an API client that authenticates with a real bearer token."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from fangguan.demo import load_all
from fangguan.registry.demo import DEMO_PASSWORD

# Property tests judge correctness, not speed: the default 200 ms deadline per example makes them
# flaky on a loaded two-core machine (the counting property failed once in a busy run; 50,000
# examples without a deadline agree with its oracle).
hypothesis_settings.register_profile("fangguan", deadline=None)
hypothesis_settings.load_profile("fangguan")

ROLES = ["admin", "zhujing", "juweihui", "wuye", "yeweihui", "yezhu", "auditor", "sysadmin", "secadmin", "auditadmin"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_all(homes="sample")  # ends with ANALYZE on PostgreSQL


@pytest.fixture
def users(db):
    from fangguan.accounts.models import User

    return {u.username: u for u in User.objects.filter(username__in=ROLES)}


class ApiClient:
    """The API as an outside tool sees it: JSON in and out, a bearer token from /auth/token."""

    def __init__(self, username: str | None):
        self.client = Client(HTTP_HOST="127.0.0.1")
        self.headers = {}
        if username:
            r = self.client.post("/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD},
                                 content_type="application/json")
            assert r.status_code == 200, r.content
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {r.json()['token']}"}

    def get(self, path, **params):
        return self.client.get(path, params, **self.headers)

    def post(self, path, data=None):
        return self.client.post(path, json.dumps(data or {}), content_type="application/json", **self.headers)

    def patch(self, path, data):
        return self.client.patch(path, json.dumps(data), content_type="application/json", **self.headers)

    def delete(self, path):
        return self.client.delete(path, **self.headers)


@pytest.fixture
def api(db):
    """``api("admin").get("/api/v1/estates")`` — one client per demo account."""
    cache: dict[str | None, ApiClient] = {}

    def get(username: str | None) -> ApiClient:
        if username not in cache:
            cache[username] = ApiClient(username)
        return cache[username]

    return get
