"""What an operator watches, read once, for the operations page and for ``/metrics``.

One function, ``read()``, answers both, so the page and the monitoring system can never disagree:

- the database's size (PostgreSQL: ``pg_database_size``; SQLite: pages × page size);
- the outbox: deliveries not yet sent (``pending``) and the age of the oldest event still
  waiting for one — a subscriber that is down makes it grow; one that stays above an hour is
  the alert ``FangguanOutboxStuck`` (docs/operations.md);
- huey's queue: tasks enqueued and not yet taken by a worker (0 when tasks run eagerly);
- the last good backup: the newest complete archive in the backup folder whose manifest reads
  (a ``.partial`` file never counts: ``ops.backup`` renames an archive only when it is whole);
- import jobs by status (running, failed …): a job running for long is a stuck worker, failed ones
  wait for a person.

Every value comes from the database or the backup folder at the moment of asking: nothing is
kept in a process, so any app server answers the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.utils import timezone


@dataclass(frozen=True)
class Gauges:
    at: dt.datetime
    database_bytes: int
    outbox_unsent: int
    outbox_oldest_unsent_at: dt.datetime | None
    queue_length: int
    last_backup_at: dt.datetime | None
    last_backup_name: str
    disk_free_bytes: int
    import_jobs: dict[str, int] = field(default_factory=dict)

    @property
    def outbox_oldest_unsent_seconds(self) -> float:
        return 0.0 if self.outbox_oldest_unsent_at is None else max(0.0, (self.at - self.outbox_oldest_unsent_at).total_seconds())

    @property
    def last_backup_age_seconds(self) -> float | None:
        return None if self.last_backup_at is None else max(0.0, (self.at - self.last_backup_at).total_seconds())


def database_bytes() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return int(pages * cursor.fetchone()[0])
    return 0


def queue_length() -> int:
    """Tasks waiting in huey's store (Redis or SQLite); eager (tests) has none."""
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        return 0
    return int(HUEY.pending_count())


def last_good_backup(directory: Path) -> tuple[dt.datetime | None, str]:
    """The newest archive whose manifest can be read, by the time in its name."""
    import tarfile

    from .backup import BackupError, read_manifest
    from .retention import archives

    if not directory.is_dir():
        return None, ""
    for when, path in archives(directory):  # newest first
        try:
            read_manifest(path)
        except (BackupError, OSError, ValueError, KeyError, tarfile.TarError):  # not a whole archive
            continue
        return when, path.name
    return None, ""


def read() -> Gauges:
    from django.db.models import Count, Min

    from fangguan.core.disk import free_bytes
    from fangguan.imports.models import ImportJob
    from fangguan.outbox.models import Delivery, DeliveryStatus

    from .backup import backup_dir

    unsent = Delivery.objects.filter(status=DeliveryStatus.PENDING).aggregate(n=Count("pk"), oldest=Min("event__created_at"))
    jobs = dict(ImportJob.objects.order_by().values_list("status").annotate(n=Count("pk")))
    backup_at, backup_name = last_good_backup(backup_dir())
    return Gauges(at=timezone.now(), database_bytes=database_bytes(), outbox_unsent=unsent["n"],
                  outbox_oldest_unsent_at=unsent["oldest"], queue_length=queue_length(),
                  last_backup_at=backup_at, last_backup_name=backup_name, disk_free_bytes=free_bytes(),
                  import_jobs=jobs)


def may_read(user) -> bool:
    """The operations page is the system administrator's (三员: the one who runs the system; it shows
    no business record, so the security and audit administrators and business users do not need it)."""
    from fangguan.accounts.choices import Role
    from fangguan.accounts.roles import has_role

    return has_role(user, Role.SYSTEM_ADMIN)


def metrics_token_ok(header: str) -> bool | None:
    """For ``/metrics``: None when no bearer token was sent (401), else whether it is the configured
    ``FANGGUAN_METRICS_TOKEN`` — compared in constant time, so the answer's timing does not tell how
    much of a guess was right. With no token configured every token is wrong (403)."""
    import hmac

    from django.conf import settings

    scheme, _, sent = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not sent.strip():
        return None
    expected = settings.FANGGUAN_METRICS_TOKEN
    return bool(expected) and hmac.compare_digest(sent.strip().encode(), expected.encode())
