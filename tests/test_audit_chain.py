"""The audit tables' hash chain (issue #6): sealed rows verify; tampering is found and named even
after the append-only triggers are dropped; archiving exports before it removes anything."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from fangguan.core.models import AuditArchive, ChangeLog, SecurityEvent
from fangguan.core.sealing import seal_pending, verify
from fangguan.core.triggers import drop_append_only
from fangguan.registry import models as m
from fangguan.registry import services


def later():
    """A moment when everything written so far is old enough to seal."""
    return timezone.now() + dt.timedelta(minutes=5)


@pytest.fixture
def sealed(users):
    estate = m.Estate.objects.first()
    for n in range(3):
        services.registry_update(actor=users["admin"], instance=estate, changes={"address": f"封存测试路{n}号"})
    for table in ("changelog", "securityevent"):
        seal_pending(table, now=later())
    return ChangeLog.objects.filter(object_type="estate", object_id=estate.pk).order_by("id")


def problems(table="changelog"):
    return [str(p) for p in verify(table)]


def test_untouched_chain_verifies(sealed):
    assert problems() == [] and problems("securityevent") == []
    call_command("verify_audit")  # exits 0 (a SystemExit would fail the test)


def test_young_rows_wait_for_the_next_batch(users):
    seal_pending("changelog", now=later())
    services.registry_update(actor=users["admin"], instance=m.Estate.objects.first(), changes={"address": "新行"})
    assert seal_pending("changelog") == 0  # written less than a minute ago
    assert seal_pending("changelog", now=later()) == 1


def test_an_altered_row_is_named_even_without_triggers(sealed):
    target = sealed[1]
    drop_append_only(connection, "core_changelog")
    ChangeLog.objects.filter(pk=target.pk).update(actor_name="someone-else")
    assert problems()[0] == f"changelog row {target.pk}: altered"
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_audit")
    assert exit_.value.code == 1


def test_a_deleted_row_is_named(sealed):
    target = sealed[0]
    drop_append_only(connection, "core_changelog")
    ChangeLog.objects.filter(pk=target.pk).delete()
    assert f"changelog row {target.pk}: deleted" in problems()


def test_rewriting_a_seal_breaks_the_chain(sealed):
    from fangguan.core.models import AuditSeal

    drop_append_only(connection, "core_auditseal")
    seal = AuditSeal.objects.filter(table="changelog").order_by("-id").first()
    entries = seal.entries
    entries[0][1] = "0" * 32
    AuditSeal.objects.filter(pk=seal.pk).update(entries=entries)
    assert any("altered" in p for p in problems())


def test_archive_exports_old_sealed_rows_then_removes_them(db, tmp_path, settings):
    old = timezone.now() - dt.timedelta(days=400)
    for n in range(5):
        SecurityEvent.objects.create(action="login", outcome="success", actor_name=f"old{n}", at=old)
    seal_pending("securityevent", now=later())
    before = SecurityEvent.objects.count()
    # Nothing younger than the retention period goes, whatever date is asked for.
    recent_cut = timezone.localdate() + dt.timedelta(days=1)
    call_command("archive_audit", "--before", str(recent_cut), "--to", str(tmp_path))
    archived = AuditArchive.objects.get(table="securityevent")
    assert SecurityEvent.objects.count() == before - archived.rows
    lines = (tmp_path / f"securityevent-before-{recent_cut}.jsonl").read_text().splitlines()
    rows = [json.loads(line)["row"] for line in lines if '"row"' in line]
    assert len(rows) == archived.rows and {"old0", "old4"} <= {r["actor_name"] for r in rows}
    assert all(dt.datetime.fromisoformat(r["at"]) < timezone.now() - dt.timedelta(days=180) for r in rows)
    assert problems("securityevent") == []  # the chain still verifies after the archived part


def test_verify_command_exit_status_in_a_subprocess_is_zero_on_a_fresh_database(tmp_path):
    import os
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "FANGGUAN_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/v.sqlite3"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True)
    r = subprocess.run([sys.executable, "manage.py", "verify_audit"], cwd=root, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
