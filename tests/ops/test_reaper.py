"""The reaper of import jobs whose worker died, on its own (the kill drill is in test_crash.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangguan.imports.models import ImportJob
from fangguan.imports.services import import_jobs_reap


def _job(user, status, started_ago):
    return ImportJob.objects.create(kind="estates", created_by=user, filename="x.csv", file="imports/x.csv",
                                    status=status, dry_run=False,
                                    started_at=timezone.now() - dt.timedelta(seconds=started_ago))


def test_only_running_jobs_older_than_the_setting_are_failed_with_their_reason(users, settings):
    settings.FANGGUAN_JOB_STALE_SECONDS = 30
    admin = users["admin"]
    dead = _job(admin, "running", 120)
    young = _job(admin, "running", 5)
    done = _job(admin, "succeeded", 120)
    assert import_jobs_reap() == [dead.pk]
    dead.refresh_from_db(), young.refresh_from_db(), done.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at is not None and dead.errors_total == 1
    assert dead.errors[0]["row"] == 0 and dead.errors[0]["message"]
    assert (young.status, done.status) == ("running", "succeeded")
    assert import_jobs_reap() == []  # once
