"""The database goes away under a running gunicorn: a throwaway PostgreSQL cluster (initdb and
pg_ctl on a free port) is really stopped and started again. Meanwhile every request is answered
503 with a Chinese message and Retry-After — never a stack trace — and when the database is back
the same server processes answer normally again, with no restart."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .site import ROOT, Site, wait_for

pytestmark = pytest.mark.drill

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster of our own; as root, run as the ``postgres`` account (initdb refuses root)."""

    def __init__(self, *, replica_of: Cluster | None = None):
        self.bin = Path(BINARIES[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="fg-cluster-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(self.dir, "postgres")
        if replica_of is None:
            self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        else:  # a streaming replica: a base backup of the running primary, standby.signal written (-R)
            self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(replica_of.port), "-U", "postgres",
                     "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")

    def run(self, tool, *args):
        return subprocess.run([*self.prefix, str(self.bin / tool), *args], capture_output=True, text=True,
                              check=True, timeout=120)

    def start(self):
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self):
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, name="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def close(self):
        subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def request(port, path, *, data=None, cookie=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                 headers={"Accept-Language": "zh-CN,zh;q=0.9", "Content-Type": "application/json",
                                          **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 — our own server
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


@pytest.mark.skipif(not BINARIES, reason="no PostgreSQL server binaries under /usr/lib/postgresql")
def test_while_the_database_is_down_the_server_answers_503_in_chinese_and_recovers_by_itself(tmp_path):
    cluster = Cluster()
    site = Site(tmp_path / "site")
    try:
        cluster.start()
        cluster.run("createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "fangguan")
        site.pg_server, site.name = cluster.url(), "fangguan"
        site.manage("migrate", "--noinput", "-v0", timeout=600)
        port = free_port()
        server = site.spawn(str(ROOT / ".venv" / "bin" / "gunicorn"), "fangguan.wsgi:application", "--pythonpath",
                            "src", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60")
        names = iter(range(1000))

        def token():  # a new name each time: five failures would lock one account (403)
            return json.dumps({"username": f"nobody{next(names)}", "password": "wrong"}).encode()

        # a session cookie makes the middleware look the session up in the database
        cookie = "sessionid=0123456789abcdefghijklmnopqrstuv"
        wait_for(lambda: _up(port), timeout=120, what="gunicorn")
        assert request(port, "/api/v1/auth/token", data=token())[0] == 401
        assert request(port, "/", cookie=cookie)[0] in (200, 302)

        cluster.stop()
        for _ in range(3):  # each of the two workers, more than once
            status, headers, body = request(port, "/api/v1/auth/token", data=token())
            assert status == 503 and headers["Retry-After"] == "60"
            assert "数据库暂时无法连接" in json.loads(body)["detail"]
            status, headers, body = request(port, "/", cookie=cookie)
            assert status == 503 and "服务暂时不可用" in body and "<html" in body
            assert "Traceback" not in body and "psycopg" not in body and "OperationalError" not in body

        cluster.start()
        wait_for(lambda: request(port, "/api/v1/auth/token", data=token())[0] == 401, timeout=60, every=0.5,
                 what="recovery")
        for _ in range(4):
            assert request(port, "/api/v1/auth/token", data=token())[0] == 401
            assert request(port, "/", cookie=cookie)[0] in (200, 302)
        assert server.poll() is None  # the same server, never restarted
    finally:
        for proc in site.processes:
            if proc.poll() is None:
                site.kill(proc)
        cluster.close()


def _up(port) -> bool:
    try:
        return request(port, "/healthz")[0] in (200, 503)
    except OSError:
        return False
