"""Crash drills: a real worker process is killed with SIGKILL in the middle of its work, and the
database is read with the test's own queries to show nothing was half-written; then the work is
finished (or failed with its reason) when a worker comes back."""

from __future__ import annotations

import csv
import json
import pickle
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .site import MANAGE, wait_for

pytestmark = pytest.mark.drill

ROWS = 3000


def _estates_csv(path, rows=ROWS):
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["小区编码", "小区名称", "街镇", "小区类型", "建筑面积(㎡)"])
        for i in range(rows):
            writer.writerow([f"ZZ{i:05d}", f"演练小区{i}", "朱泾镇", "商品住房", "10000"])


QUEUE_IMPORT = """
from django.core.files import File
from fangguan.accounts.models import User
from fangguan.imports.services import import_create
with open({path!r}, "rb") as fh:
    upload = File(fh, name="estates.csv")
    upload.size = {size}
    job = import_create(actor=User.objects.get(username="admin"), kind="estates", upload=upload,
                        filename="estates.csv", dry_run=False)
print("JOB", job.pk)
"""


def _progress(site, job_id) -> int:
    """What the worker last reported, read from huey's own store."""
    path = site.var / "huey.sqlite3"
    if not path.exists():
        return 0
    conn = sqlite3.connect(path, timeout=5)
    try:
        row = conn.execute("SELECT value FROM kv WHERE key = ?", (f"imports:progress:{job_id}",)).fetchone()
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()
    return pickle.loads(row[0]) if row else 0


def _job(site, job_id):
    status, created, errors = site.query("SELECT status, created, errors FROM imports_importjob WHERE id = %s", (job_id,))[0]
    return status, created, json.loads(errors) if isinstance(errors, str) else errors


def test_a_worker_killed_mid_import_writes_nothing_and_the_job_fails_with_its_reason(site):
    env = {"FANGGUAN_HUEY_IMMEDIATE": "0", "FANGGUAN_JOB_STALE_SECONDS": "1"}
    data = site.root / "estates.csv"
    _estates_csv(data)
    estates_before = site.query("SELECT count(*) FROM registry_estate")[0][0]
    log_before = site.query("SELECT count(*) FROM core_changelog")[0][0]
    out = site.shell(QUEUE_IMPORT.format(path=str(data), size=data.stat().st_size), **env).stdout
    job_id = int(out.split("JOB")[1])

    worker = site.spawn(MANAGE, "run_huey", "--workers", "1", "--no-periodic", **env)
    wait_for(lambda: 5 <= _progress(site, job_id) < 90, timeout=120, what="the import half-way")
    site.kill(worker)  # SIGKILL, no chance to clean up

    status, created, _errors = _job(site, job_id)
    assert status == "running"
    assert site.query("SELECT count(*) FROM registry_estate")[0][0] == estates_before
    assert site.query("SELECT count(*) FROM registry_estate WHERE code LIKE 'ZZ%%'")[0][0] == 0
    assert site.query("SELECT count(*) FROM core_changelog")[0][0] == log_before

    # The worker comes back: the dead job fails with its reason; the rows were never written.
    worker = site.spawn(MANAGE, "run_huey", "--workers", "1", "--no-periodic", **env)
    wait_for(lambda: _job(site, job_id)[0] == "failed", timeout=120, what="the reaper")
    status, created, errors = _job(site, job_id)
    assert created == 0 and len(errors) == 1 and errors[0]["row"] == 0 and errors[0]["message"]
    assert site.query("SELECT count(*) FROM registry_estate WHERE code LIKE 'ZZ%%'")[0][0] == 0

    # Started again, the same file is written whole by the running worker.
    out = site.shell(QUEUE_IMPORT.format(path=str(data), size=data.stat().st_size), **env).stdout
    again = int(out.split("JOB")[1])
    wait_for(lambda: _job(site, again)[0] in {"succeeded", "failed"}, timeout=180, what="the second import")
    assert _job(site, again)[:2] == ("succeeded", ROWS)
    assert site.query("SELECT count(*) FROM registry_estate WHERE code LIKE 'ZZ%%'")[0][0] == ROWS
    site.kill(worker)


# --- the repair clock ---------------------------------------------------------------------------

FILE_REQUESTS = """
import datetime as dt
from django.utils import timezone
from fangguan.accounts.models import User
from fangguan.registry.models import HomeShare, Person
from fangguan.repairs import services
from fangguan.repairs.models import Category
resident = User.objects.get(username="yezhu")
owner = Person.objects.get(user=resident)
home = HomeShare.objects.as_of(timezone.localdate()).filter(person=owner).select_related("home__building__estate").first().home
category = Category.objects.get(code="roof-leak")
start = timezone.now() - dt.timedelta(days=40)
for i in range({n}):  # nine a day: a resident may file ten
    services.create_request(resident, estate=home.building.estate, category=category, home=home,
                            description=f"屋顶漏水 {{i}}", now=start + dt.timedelta(days=i // 9))
"""


def _clock_state(site):
    escalations = sorted(site.query(
        "SELECT request_id, level, deadline, due_at FROM repairs_escalation"))
    events = sorted(site.query(
        "SELECT request_id, kind, count(*) FROM repairs_repairevent GROUP BY request_id, kind"))
    return escalations, events


def test_a_clock_run_killed_half_way_leaves_whole_escalations_and_the_next_run_finishes_the_work(site, tmp_path):
    site.shell(FILE_REQUESTS.format(n=45))
    reference = site.__class__(tmp_path / "reference", pg_server=site.pg_server)
    try:
        _copy_site(site, reference)
        at = "2099-01-01T10:00:00+08:00"
        reference.manage("repairs_tick", "--now", at, timeout=600)
        expected = _clock_state(reference)
        assert len(expected[0]) >= 90  # every request past its deadlines at two levels

        clock = site.spawn(MANAGE, "repairs_tick", "--now", at)
        wait_for(lambda: site.query("SELECT count(*) FROM repairs_escalation")[0][0] >= 20, timeout=120,
                 every=0.01, what="escalations under way")
        site.kill(clock)
        done = site.query("SELECT count(*) FROM repairs_escalation")[0][0]
        assert 0 < done < len(expected[0]), "killed mid-run"
        # Nothing half-written: each escalation has its event, each event its escalation.
        orphans = site.query(
            "SELECT count(*) FROM repairs_escalation e WHERE NOT EXISTS (SELECT 1 FROM repairs_repairevent v "
            "WHERE v.request_id = e.request_id AND v.kind = 'escalated' AND v.at = e.sent_at)")[0][0]
        events = site.query("SELECT count(*) FROM repairs_repairevent WHERE kind = 'escalated'")[0][0]
        assert orphans == 0 and events == done

        site.manage("repairs_tick", "--now", at, timeout=600)  # the next minute's run
        assert _clock_state(site) == expected
    finally:
        reference.close()


def _copy_site(source, target):
    import shutil

    if source.pg_server:
        target.create_empty(template=source.name)
    else:
        shutil.copyfile(source.sqlite_path, target.sqlite_path)


# --- outbox delivery ----------------------------------------------------------------------------

class HangingReceiver:
    """Answers 200, except that the first request it receives is held until the test lets go."""

    def __init__(self):
        self.received: list[str] = []
        self.first = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(self.headers["X-Fangguan-Event-Id"])
                if len(receiver.received) == 1:
                    receiver.first.set()
                    receiver.release.wait(30)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                del body

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()


PUBLISH = """
from fangguan.accounts.models import User
from fangguan.outbox.services import publish, subscriber_create
subscriber_create(User.objects.get(username="admin"), name="drill", url={url!r}, topics=["drill.*"])
for i in range(5):
    publish("drill.event", {{"n": i}}, aggregate_type="drill", aggregate_id=i)
"""


def test_a_worker_killed_mid_delivery_leaves_the_delivery_pending_and_it_is_sent_after_its_lease(site):
    receiver = HangingReceiver()
    try:
        site.shell(PUBLISH.format(url=receiver.url))
        env = {"FANGGUAN_OUTBOX_TIMEOUT_SECONDS": "1", "FANGGUAN_OUTBOX_LEASE_MARGIN_SECONDS": "1"}
        worker = site.spawn(MANAGE, "outbox_deliver", "--now", **env)
        assert receiver.first.wait(120), site.log(worker)
        site.kill(worker)  # while its request is in flight
        rows = site.query("SELECT status, attempts FROM outbox_delivery d JOIN outbox_subscriber s "
                          "ON s.id = d.subscriber_id WHERE s.name = 'drill'")
        assert sorted(rows) == [("pending", 0)] * 5  # nothing recorded as sent, nothing lost
        assert site.query("SELECT count(*) FROM outbox_deliveryattempt")[0][0] == 0
        receiver.release.set()

        time.sleep(7)  # the dead worker's lease: 5 claimed × 1 s + 1 s
        out = site.manage("outbox_deliver", "--now", **env).stdout
        assert "delivered 5, failed 0" in out
        rows = site.query("SELECT status, attempts FROM outbox_delivery")
        assert sorted(rows) == [("delivered", 1)] * 5
        # The event in flight when the worker died was sent twice (at least once, never lost);
        # receivers de-duplicate on X-Fangguan-Event-Id. Every other event once.
        assert len(receiver.received) == 6 and len(set(receiver.received)) == 5
    finally:
        receiver.close()


# --- fund postings ------------------------------------------------------------------------------

POSTINGS = 400
POST_MANY = """
from fangguan.core.actors import system_actor
from fangguan.funds import ledger
from fangguan.funds.models import Account
system = system_actor()
bank = Account.objects.filter(kind="bank").order_by("pk").first()
homes = list(Account.objects.filter(estate_id=bank.estate_id, kind="home").order_by("pk").values_list("pk", flat=True)[:4])
assert len(homes) == 4
for i in range({n}):  # each a posting of its own: the bank +400 fen, four homes' sub-accounts 100 each
    ledger.post(actor=system, key=f"drill-{{i}}", kind="top_up", entries=[(bank.pk, 400)] + [(pk, -100) for pk in homes])
"""

LEDGER_CHECK = """
import json
from django.db.models import Sum
from fangguan.funds.models import Account, Entry
wrong = [a.pk for a in Account.objects.all()
         if a.balance_fen != a.sign * (Entry.objects.filter(account=a).aggregate(s=Sum("amount_fen"))["s"] or 0)]
bank = Account.objects.filter(kind="bank").order_by("pk").first()
print("LEDGER", json.dumps({{"wrong": wrong, "bank": bank.balance_fen}}))
"""


def _ledger(site) -> dict:
    out = site.shell(LEDGER_CHECK.format()).stdout
    return json.loads(out.split("LEDGER ", 1)[1])


def test_a_worker_killed_mid_posting_leaves_whole_postings_and_the_replay_posts_each_once(site):
    before = _ledger(site)
    assert before["wrong"] == []
    count = "SELECT count(*) FROM funds_posting WHERE key LIKE 'drill-%%'"
    worker = site.spawn(MANAGE, "shell", "-c", POST_MANY.format(n=POSTINGS))
    wait_for(lambda: site.query(count)[0][0] >= 40, timeout=300, every=0.01, what="postings under way")
    site.kill(worker)
    done = site.query(count)[0][0]
    assert 0 < done < POSTINGS, "killed mid-run"
    # Nothing half-written: every posting has its five entries and they balance; every account's
    # balance is still the sum of its entries; the bank moved by exactly the postings made.
    broken = site.query(
        "SELECT p.id FROM funds_posting p LEFT JOIN funds_entry e ON e.posting_id = p.id "
        "WHERE p.key LIKE 'drill-%%' GROUP BY p.id HAVING count(e.id) <> 5 OR coalesce(sum(e.amount_fen), 1) <> 0")
    assert broken == []
    after_kill = _ledger(site)
    assert after_kill["wrong"] == []
    assert after_kill["bank"] - before["bank"] == 400 * done

    # The same work run again (the job retried): the postings made are found by their keys, the
    # rest made once — each of the POSTINGS exactly once in all.
    site.manage("shell", "-c", POST_MANY.format(n=POSTINGS), timeout=900)
    assert site.query(count)[0][0] == POSTINGS
    final = _ledger(site)
    assert final["wrong"] == []
    assert final["bank"] - before["bank"] == 400 * POSTINGS
