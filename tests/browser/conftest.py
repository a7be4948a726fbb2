"""Browser tests: the platform as deployed (gunicorn, migrated database, Jinshan demo, collected
static files), driven by Debian's chromium through Playwright.

The server runs in its own process on its own database (a temporary SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL), so these tests see exactly what a user
sees. Every request the page makes must stay on 127.0.0.1: anything else fails the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_postgres(url: str, name: str) -> str:
    import psycopg

    base = url.rsplit("/", 1)[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("server-var")
    env = {**os.environ, "FANGGUAN_ENV": "development", "FANGGUAN_VAR_DIR": str(var),
           # the sample demo's lists are short: a low threshold sends "all homes" to the background
           # export (test_exports_flow.py), as ~300,000 homes would in the district
           "FANGGUAN_EXPORT_BACKGROUND_ROWS": os.environ.get("FANGGUAN_EXPORT_BACKGROUND_ROWS", "500")}
    database = os.environ.get("DATABASE_URL", "")
    env["DATABASE_URL"] = (
        # named after the suite's own database, so parallel checkouts never share one
        _fresh_postgres(database, database.rsplit("/", 1)[1] + "_browser") if database.startswith("postgres")
        else f"sqlite:///{var}/browser.sqlite3"
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    for args in (["migrate", "--noinput", "-v0"], ["load_demo", "--homes", "sample"],
                 ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(manage + args, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    port = _free_port()
    log = open(var / "gunicorn.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "fangguan.wsgi:application", "--pythonpath", "src",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    # the background worker beside the web server, as `make run` starts it (imports run there)
    worker_log = open(var / "worker.log", "w")  # noqa: SIM115 - closed at teardown
    worker = subprocess.Popen(manage + ["run_huey", "--workers", "1", "--flush-locks"], env=env, cwd=ROOT,
                              stdout=worker_log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:  # noqa: S310 - our own server
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        proc.terminate()
        worker.terminate()
        raise RuntimeError("the server did not start: " + (var / "gunicorn.log").read_text()[-2000:])
    yield url
    for process in (proc, worker):
        _stop(process)
    log.close()
    worker_log.close()


def _stop(process: subprocess.Popen) -> None:
    """Ask politely, then insist: on a loaded machine gunicorn's graceful exit took over 10 s and
    the session's teardown failed the suite's last test."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    """Per module: Playwright's event loop must be gone before Django tests touch the database."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run scripts/ensure-chromium.sh (make test does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page that refuses (and records) any request leaving 127.0.0.1."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.outside_requests = []

    def guard(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            page.outside_requests.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    context.close()
    assert page.outside_requests == [], f"requests left the machine: {page.outside_requests}"


def login(page, server, username, password="Fangguan-demo-2026"):
    page.goto(server + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("networkidle")


STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"


def strict_csp(page) -> None:
    """Serve every document under ``STRICT_CSP`` (no inline script or style: the CSP that is
    coming) and collect the violations in ``window.__violations``, which a test expects empty."""

    def with_csp(route):
        if route.request.resource_type != "document":
            route.fallback()
            return
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.add_init_script("window.__violations = [];"
                         "document.addEventListener('securitypolicyviolation',"
                         " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")
    page.route("**/*", with_csp)
