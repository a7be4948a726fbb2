"""A throwaway installation for drills: its own var folder (uploaded files, huey's store) and its
own database — a SQLite file, or a PostgreSQL database with a throwaway name on the server of
DATABASE_URL when that is PostgreSQL. Every process of a drill (manage.py commands, workers,
gunicorn) is a real child process with this environment, so it can be killed for real.

The test reads the database with its own queries (sqlite3 / psycopg), not through the code under
test: those are the independent oracle.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
MANAGE = str(ROOT / "manage.py")


def server_url() -> str | None:
    """The PostgreSQL server of DATABASE_URL, or None for SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))


def admin_conn(url: str):
    return psycopg.connect(with_db(url, "postgres"), autocommit=True)


class Site:
    def __init__(self, root: Path, *, pg_server: str | None = None, name: str | None = None):
        self.root = root
        self.var = root / "var"
        self.var.mkdir(parents=True, exist_ok=True)
        self.media = self.var / "media"
        self.pg_server = pg_server
        self.name = name or f"fg_drill_{uuid.uuid4().hex[:10]}"
        self.processes: list[subprocess.Popen] = []

    # --- the database ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self.pg_server:
            return with_db(self.pg_server, self.name)
        return f"sqlite:///{self.var / 'db.sqlite3'}"

    @property
    def sqlite_path(self) -> Path:
        return self.var / "db.sqlite3"

    def create_empty(self, template: str | None = None) -> None:
        if self.pg_server:
            with admin_conn(self.pg_server) as conn:
                extra = f' TEMPLATE "{template}"' if template else ""
                conn.execute(f'CREATE DATABASE "{self.name}"{extra}')

    def drop(self) -> None:
        """The database is gone: dropped on PostgreSQL, its files removed on SQLite."""
        if self.pg_server:
            with admin_conn(self.pg_server) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.sqlite_path}{suffix}").unlink(missing_ok=True)

    def query(self, sql: str, params=()) -> list[tuple]:
        if self.pg_server:
            with psycopg.connect(self.url, autocommit=True) as conn:
                return conn.execute(sql, params).fetchall()
        conn = sqlite3.connect(self.sqlite_path, timeout=30)
        try:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()

    def tables(self) -> list[str]:
        if self.pg_server:
            rows = self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        else:
            rows = self.query("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
        return [r[0] for r in rows]

    def fingerprint(self) -> dict[str, tuple[int, str]]:
        """Every table's row count and a digest of all its rows (in a canonical order)."""
        result = {}
        for table in self.tables():
            if self.pg_server:
                count, digest = self.query(
                    f'SELECT count(*), md5(coalesce(string_agg(x::text, chr(10) ORDER BY x::text), \'\')) FROM "{table}" x')[0]
            else:
                rows = sorted(repr(r) for r in self.query(f'SELECT * FROM "{table}"'))
                count, digest = len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()
            result[table] = (count, digest)
        return result

    def files(self) -> dict[str, str]:
        if not self.media.exists():
            return {}
        return {p.relative_to(self.media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.media.rglob("*")) if p.is_file()}

    # --- processes -------------------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
        env.update(FANGGUAN_ENV="test", FANGGUAN_VAR_DIR=str(self.var), DATABASE_URL=self.url,
                   FANGGUAN_BACKUP_DIR=str(self.root / "backups"), PYTHONUNBUFFERED="1")
        env.update(extra)
        return env

    def manage(self, *args: str, check: bool = True, timeout: float = 180, **env: str) -> subprocess.CompletedProcess:
        result = subprocess.run([PYTHON, MANAGE, *args], cwd=ROOT, env=self.env(**env), capture_output=True,
                                text=True, timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def shell(self, code: str, **kw) -> subprocess.CompletedProcess:
        return self.manage("shell", "-c", code, **kw)

    def spawn(self, *args: str, **env: str) -> subprocess.Popen:
        log = (self.root / f"proc-{len(self.processes)}.log").open("w")
        proc = subprocess.Popen([PYTHON, *args], cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.processes.append(proc)
        return proc

    def log(self, proc: subprocess.Popen) -> str:
        return (self.root / f"proc-{self.processes.index(proc)}.log").read_text()

    def kill(self, proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
        """The process and every child it started (gunicorn workers, huey threads' processes)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        proc.wait(timeout=30)

    def close(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                self.kill(proc)
        self.drop()
        shutil.rmtree(self.root, ignore_errors=True)


def wait_for(predicate, *, timeout: float = 30, every: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")
