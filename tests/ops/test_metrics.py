"""``/metrics`` and the operations page: each figure equals what the test counts itself (raw SQL
on the tables, the backup folder listed by hand), the token is required and compared exactly."""

from __future__ import annotations

import datetime as dt
import tarfile
import uuid

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from fangguan.imports.models import ImportJob
from fangguan.outbox.models import Delivery, OutboxEvent, Subscriber

TOKEN = "s3cret-metrics-token-for-tests"


def scrape(token: str | None = TOKEN, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client(HTTP_HOST="127.0.0.1").get("/metrics", **headers)


def values(response) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def sql(query: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def write_archive(folder, name: str, manifest: bytes = b'{"format": 1}'):
    """A stand-in archive: a tar whose first member is a manifest (what ops.backup writes first)."""
    import io

    path = folder / name
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    return path


@pytest.fixture
def world(db, tmp_path):
    """Events waiting for a subscriber, import jobs in several states, a backup folder with a good
    archive, a newer partial one and a newer damaged one."""
    now = timezone.now()
    sub = Subscriber.objects.create(name=f"测试订阅-{uuid.uuid4().hex[:6]}", url="http://127.0.0.1:9/x",
                                    secret_cipher="x", topics=["repairs.*"])
    ages = [3600 * 5, 600, 30]
    for i, age in enumerate(ages):
        event = OutboxEvent.objects.create(topic="repairs.created", created_at=now - dt.timedelta(seconds=age))
        Delivery.objects.create(event=event, subscriber=sub, status="pending" if i else "delivered")
    # the oldest pending is the 600-second one: the 5-hour one was delivered
    from fangguan.accounts.models import User

    user = User.objects.get(username="admin")
    for status in ["running", "running", "failed", "succeeded"]:
        ImportJob.objects.create(kind="estates", created_by=user, filename="x.csv", status=status)
    backups = tmp_path / "backups"
    backups.mkdir()
    write_archive(backups, "fangguan-20261201T183000Z.tar")
    (backups / ".fangguan-20261203T183000Z.tar.partial").write_bytes(b"half")
    (backups / "fangguan-20261202T183000Z.tar").write_bytes(b"not a tar at all")
    return {"backups": backups, "now": now}


@override_settings(FANGGUAN_METRICS_TOKEN=TOKEN)
def test_metrics_equal_the_tests_own_counts(world):
    with override_settings(FANGGUAN_BACKUP_DIR=world["backups"]):
        response = scrape()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain") and "version=0.0.4" in response["Content-Type"]
    got = values(response)

    pending = sql("SELECT count(*) FROM outbox_delivery WHERE status = 'pending'")
    assert got[("fangguan_outbox_unsent_deliveries", ())] == pending
    oldest = sql("SELECT min(e.created_at) FROM outbox_delivery d JOIN outbox_outboxevent e ON e.id = d.event_id "
                 "WHERE d.status = 'pending'")
    if isinstance(oldest, str):  # SQLite hands back text
        oldest = dt.datetime.fromisoformat(oldest).replace(tzinfo=dt.UTC)
    age = (timezone.now() - oldest).total_seconds()
    assert age - 30 <= got[("fangguan_outbox_oldest_unsent_age_seconds", ())] <= age
    assert got[("fangguan_outbox_oldest_unsent_age_seconds", ())] >= 600  # the 600-second event at least

    for status in ("queued", "running", "succeeded", "failed"):
        count = sql("SELECT count(*) FROM imports_importjob WHERE status = %s", [status])
        assert got[("fangguan_import_jobs", (("status", status),))] == count
    assert got[("fangguan_import_jobs", (("status", "running"),))] >= 2

    # the good one: the newer files are a partial one and one whose manifest does not read
    good = dt.datetime(2026, 12, 1, 18, 30, tzinfo=dt.UTC).timestamp()
    assert got[("fangguan_backup_last_success_timestamp_seconds", ())] == good

    if connection.vendor == "postgresql":
        size = sql("SELECT pg_database_size(current_database())")
    else:
        size = sql("PRAGMA page_count") * sql("PRAGMA page_size")
    assert abs(got[("fangguan_database_size_bytes", ())] - size) <= max(1 << 20, size * 0.01)
    assert got[("fangguan_queue_length", ())] == 0  # tests run huey eagerly: nothing waits
    assert got[("fangguan_disk_free_bytes", ())] > 0


@override_settings(FANGGUAN_METRICS_TOKEN=TOKEN)
def test_no_backup_at_all_is_zero(world, tmp_path):
    with override_settings(FANGGUAN_BACKUP_DIR=tmp_path / "nothing-here"):
        got = values(scrape())
    assert got[("fangguan_backup_last_success_timestamp_seconds", ())] == 0


@override_settings(FANGGUAN_METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize(("header", "status"), [
    (None, 401),
    ("Basic " + TOKEN, 401),
    ("Bearer ", 401),
    ("Bearer wrong", 403),
    ("Bearer " + TOKEN[:-1], 403),
    ("Bearer " + TOKEN + "x", 403),
    ("Bearer " + TOKEN, 200),
])
def test_metrics_need_the_exact_token(db, header, status):
    headers = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = scrape(None, **headers)
    assert response.status_code == status
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    if status != 200:
        assert b"fangguan_" not in response.content


@override_settings(FANGGUAN_METRICS_TOKEN="")
def test_without_a_configured_token_metrics_are_closed(db):
    assert scrape("").status_code == 401
    assert scrape("anything").status_code == 403


def test_a_logged_in_session_is_not_a_metrics_token(users):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(users["sysadmin"])
    assert client.get("/metrics").status_code == 401


def test_the_token_is_compared_in_constant_time(db, monkeypatch):
    """The comparison goes through hmac.compare_digest (a plain == returns at the first differing
    byte and leaks the prefix through timing)."""
    import hmac

    from fangguan.ops import gauges

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    with override_settings(FANGGUAN_METRICS_TOKEN=TOKEN):
        assert gauges.metrics_token_ok("Bearer nope") is False
    assert calls == [(b"nope", TOKEN.encode())]


def test_the_operations_page_shows_the_figures_in_chinese(world, users):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(users["sysadmin"])
    with override_settings(FANGGUAN_BACKUP_DIR=world["backups"]):
        response = client.get("/ops/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "运维" in page and "数据库大小" in page and "最近一次成功备份" in page
    assert "fangguan-20261201T183000Z.tar" in page and "fangguan-20261202T183000Z.tar" not in page
    running = sql("SELECT count(*) FROM imports_importjob WHERE status = 'running'")
    import re

    row = re.search(r'id="import-jobs-running">.*?<td class="text-end">(\d+)</td>', page, re.S)
    assert row and int(row.group(1)) == running
    pending = sql("SELECT count(*) FROM outbox_delivery WHERE status = 'pending'")
    row = re.search(r'id="outbox-unsent">.*?<td class="text-end">(\d+)</td>', page, re.S)
    assert row and int(row.group(1)) == pending
    # and its menu entry, for the system administrator only
    assert 'href="/ops/"' in page
    other = Client(HTTP_HOST="127.0.0.1")
    other.force_login(users["secadmin"])
    assert 'href="/ops/"' not in other.get("/").content.decode()
