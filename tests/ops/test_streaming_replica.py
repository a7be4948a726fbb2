"""A real streaming replica: a throwaway primary cluster, a replica made from it with
pg_basebackup on another port, gunicorn with DATABASE_URL and DATABASE_REPLICA_URL. The
dashboard is served from the replica; after the user's own write the next reads come from the
primary — shown while the replica's replay is paused, so a read from it would have been stale."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request

import pytest

from fangguan.registry.demo import DEMO_PASSWORD

from .site import ROOT, Site, wait_for
from .test_outage import BINARIES, Cluster, free_port

pytestmark = pytest.mark.drill


class Browser:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def open(self, path, data=None, headers=None):
        req = urllib.request.Request(self.base + path, data=data, headers={"Accept-Language": "zh-CN", **(headers or {})})
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def login(self, username):
        _s, _h, page = self.open("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD})
        status, _h, _page = self.open("/login/", data=form.encode(), headers={"Referer": self.base + "/login/"})
        assert self.cookie("sessionid"), status


@pytest.mark.skipif(not BINARIES, reason="no PostgreSQL server binaries under /usr/lib/postgresql")
def test_the_dashboard_is_served_from_the_replica_and_reads_after_a_write_from_the_primary(tmp_path):
    primary = Cluster()
    replica = None
    site = Site(tmp_path / "site")
    try:
        primary.start()
        primary.run("createdb", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "fangguan")
        site.pg_server, site.name = primary.url(), "fangguan"
        site.manage("migrate", "--noinput", "-v0", timeout=600)
        site.manage("load_demo", "--homes", "sample", timeout=600)
        replica = Cluster(replica_of=primary)
        replica.start()
        replica_url = replica.url("fangguan")
        port = free_port()
        site.spawn(str(ROOT / ".venv" / "bin" / "gunicorn"), "fangguan.wsgi:application", "--pythonpath", "src",
                   "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120",
                   DATABASE_REPLICA_URL=replica_url, FANGGUAN_REPLICA_PIN_SECONDS="15")
        browser = Browser(port)
        wait_for(lambda: _healthy(browser), timeout=120, what="gunicorn")
        browser.login("admin")

        # logging in was a write (the session): once its pin has run out, the dashboard reads the replica
        wait_for(lambda: browser.open("/dashboard/")[1].get("X-Fangguan-Read-From") == "replica", timeout=90,
                 every=1, what="the dashboard from the replica")

        import psycopg

        with psycopg.connect(replica_url, autocommit=True) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            conn.execute("SELECT pg_wal_replay_pause()")
            tokens_on_replica = conn.execute("SELECT count(*) FROM accounts_apitoken").fetchone()[0]

        # The user's own write (a token request in the same session) ...
        status, _h, _body = browser.open("/api/v1/auth/token", data=json.dumps(
            {"username": "admin", "password": DEMO_PASSWORD}).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": browser.cookie("csrftoken") or ""})
        assert status == 200 and browser.cookie("fg_primary")
        with psycopg.connect(site.url, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM accounts_apitoken").fetchone()[0] == tokens_on_replica + 1
        with psycopg.connect(replica_url, autocommit=True) as conn:  # the replica is behind
            assert conn.execute("SELECT count(*) FROM accounts_apitoken").fetchone()[0] == tokens_on_replica
        # ... so the next read comes from the primary, not from the stale replica,
        status, headers, _page = browser.open("/dashboard/")
        assert status == 200 and "X-Fangguan-Read-From" not in headers
        # and once the pin has run out, from the replica again.
        wait_for(lambda: browser.open("/dashboard/")[1].get("X-Fangguan-Read-From") == "replica", timeout=90,
                 every=1, what="the pin to run out")
        with psycopg.connect(replica_url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
    finally:
        for proc in site.processes:
            if proc.poll() is None:
                site.kill(proc)
        if replica is not None:
            replica.close()
        primary.close()


def _healthy(browser) -> bool:
    try:
        return browser.open("/healthz")[0] == 200
    except OSError:
        return False
