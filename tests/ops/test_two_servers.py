"""Two app servers behind any balancer behave as one: two gunicorn instances on one database and
one Redis (cache, rate limits) count a user's failed logins and an address's requests together.
Each instance keeps nothing of its own: five failures spread over both lock the account on both,
and the address's rate limit counts the requests both received."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import redis

from fangguan.registry.demo import DEMO_PASSWORD

from .site import ROOT, wait_for
from .test_outage import free_port, request

pytestmark = pytest.mark.drill


def _redis_up() -> bool:
    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_two_instances_count_failed_logins_and_rate_limits_together(site):
    prefix = f"drill-{uuid.uuid4().hex[:8]}"
    env = {"REDIS_URL": "redis://127.0.0.1:6379/0", "FANGGUAN_CACHE_PREFIX": prefix, "FANGGUAN_RATE_LOGIN": "7/m"}
    ports = [free_port(), free_port()]
    for port in ports:
        site.spawn(str(ROOT / ".venv" / "bin" / "gunicorn"), "fangguan.wsgi:application", "--pythonpath", "src",
                   "--bind", f"127.0.0.1:{port}", "--workers", "1", **env)
    for port in ports:
        wait_for(lambda port=port: _healthy(port), timeout=120, what="gunicorn")

    def token(port, password):
        body = json.dumps({"username": "wuye", "password": password}).encode()
        status, _headers, text = request(port, "/api/v1/auth/token", data=body)
        return status, json.loads(text or "{}")

    # the rate limit's window is a clock minute: start early in one
    wait_for(lambda: time.localtime().tm_sec < 30, timeout=40, every=0.5, what="the start of a minute")
    for i in range(5):  # wrong passwords, alternating between the two servers
        status, answer = token(ports[i % 2], "wrong-Password-1")
        assert status == 401 or (i == 4 and status == 403), answer  # the fifth locks
    for port in ports:  # the right password, refused on both: the failures were counted together
        status, answer = token(port, DEMO_PASSWORD)
        assert status == 403 and "锁定" in answer["detail"], answer
    # the eighth request of this address this minute, on the server that saw four
    status, answer = token(ports[1], DEMO_PASSWORD)
    assert status == 429 and answer["detail"], answer
    keys = redis.Redis(host="127.0.0.1", port=6379).keys(f"{prefix}:*")
    assert keys, "the rate-limit counter is in Redis, not in a process"
    redis.Redis(host="127.0.0.1", port=6379).delete(*keys)


def _healthy(port) -> bool:
    try:
        return request(port, "/healthz")[0] == 200
    except OSError:
        return False
