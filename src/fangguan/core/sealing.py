"""Tamper evidence for the audit tables: rows are sealed in batches into a hash chain.

Triggers already refuse UPDATE and DELETE; sealing makes tampering *detectable* even by someone
who drops the triggers. Each seal stores, for a run of rows in id order, every row's digest and
the hash of (previous seal's hash + those digests). ``verify`` recomputes everything and names the
first row that was altered, deleted or slipped in. Rows are sealed in batches (a periodic task)
rather than chained one by one at insert time, so concurrent writers never wait on each other;
rows younger than ``SEAL_LAG`` are left for the next batch because a transaction that began
earlier may still commit a lower id.

Archiving (retention): whole seals whose rows are all older than the retention period can be
exported to a JSON-lines file and then removed; an ``AuditArchive`` row records the file's
hash, so the chain still verifies from the first remaining seal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditArchive, AuditSeal, ChangeLog, SecurityEvent

SEALED: dict[str, type[models.Model]] = {"changelog": ChangeLog, "securityevent": SecurityEvent}
SEAL_LAG = dt.timedelta(seconds=60)
BATCH = 1000
GENESIS = "0" * 64


def _canonical(row: models.Model) -> str:
    values = {}
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat()
        values[field.attname] = value
    return json.dumps(values, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def row_digest(row: models.Model) -> str:
    return hashlib.sha256(_canonical(row).encode()).hexdigest()[:32]


def seal_hash(prev: str, entries: list[list]) -> str:
    body = json.dumps(entries, separators=(",", ":"))
    return hashlib.sha256(f"{prev}|{body}".encode()).hexdigest()


def seal_pending(table: str, *, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Seal every row old enough that is not sealed yet; returns how many rows were sealed."""
    model = SEALED[table]
    cutoff = (now or timezone.now()) - SEAL_LAG
    sealed = 0
    while True:
        with transaction.atomic():
            last = AuditSeal.objects.select_for_update().filter(table=table).order_by("-id").first()
            after = last.last_id if last else 0
            rows = list(model.objects.filter(pk__gt=after, at__lt=cutoff).order_by("pk")[:batch])
            if not rows:
                return sealed
            entries = [[r.pk, row_digest(r)] for r in rows]
            prev = last.hash if last else GENESIS
            AuditSeal.objects.create(table=table, first_id=rows[0].pk, last_id=rows[-1].pk, count=len(rows),
                                     entries=entries, prev_hash=prev, hash=seal_hash(prev, entries))
            sealed += len(rows)


@dataclass(frozen=True)
class Problem:
    table: str
    row_id: int | None
    what: str

    def __str__(self) -> str:
        where = f"{self.table} row {self.row_id}" if self.row_id is not None else self.table
        return f"{where}: {self.what}"


def verify(table: str) -> Iterator[Problem]:
    """Every problem in the chain of ``table``, first one first."""
    model = SEALED[table]
    archived_up_to = (AuditArchive.objects.filter(table=table).aggregate(m=models.Max("last_seal_id"))["m"] or 0)
    prev = None
    for seal in AuditSeal.objects.filter(table=table).order_by("id").iterator():
        if prev is not None and seal.prev_hash != prev.hash:
            yield Problem(table, seal.first_id, f"seal {seal.pk} does not follow seal {prev.pk}")
        elif prev is None and seal.prev_hash != GENESIS and seal.pk > archived_up_to and not archived_up_to:
            yield Problem(table, seal.first_id, f"seal {seal.pk} does not start the chain")
        if seal_hash(seal.prev_hash, seal.entries) != seal.hash:
            yield Problem(table, seal.first_id, f"seal {seal.pk} was altered")
        prev = seal
        if seal.pk <= archived_up_to:
            continue  # its rows were archived to a file and removed, as recorded
        rows = {r.pk: r for r in model.objects.filter(pk__gte=seal.first_id, pk__lte=seal.last_id)}
        expected = {row_id for row_id, _digest in seal.entries}
        for row_id, digest in seal.entries:
            row = rows.get(row_id)
            if row is None:
                yield Problem(table, row_id, "deleted")
            elif row_digest(row) != digest:
                yield Problem(table, row_id, "altered")
        for row_id in sorted(set(rows) - expected):
            yield Problem(table, row_id, "inserted into a sealed range")


def archive(table: str, *, before: dt.date, path: Path) -> int:
    """Export whole seals whose rows are all older than ``before`` (and than the retention
    period) to ``path`` as JSON lines, then remove those rows. Returns the number of rows."""
    retention = dt.timedelta(days=settings.FANGGUAN_AUDIT_RETENTION_DAYS)
    limit = min(timezone.make_aware(dt.datetime.combine(before, dt.time())), timezone.now() - retention)
    model = SEALED[table]
    done = AuditArchive.objects.filter(table=table).aggregate(m=models.Max("last_seal_id"))["m"] or 0
    seals = []
    for seal in AuditSeal.objects.filter(table=table, pk__gt=done).order_by("id"):
        newest = model.objects.filter(pk__gte=seal.first_id, pk__lte=seal.last_id).aggregate(m=models.Max("at"))["m"]
        if newest is None or newest >= limit:
            break
        seals.append(seal)
    if not seals:
        return 0
    first, last = seals[0].first_id, seals[-1].last_id
    rows = model.objects.filter(pk__gte=first, pk__lte=last).order_by("pk")
    digest = hashlib.sha256()
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for seal in seals:
            line = json.dumps({"seal": {"id": seal.pk, "prev_hash": seal.prev_hash, "hash": seal.hash,
                                        "entries": seal.entries}}, ensure_ascii=False) + "\n"
            fh.write(line)
            digest.update(line.encode())
        for row in rows.iterator():
            line = json.dumps({"row": json.loads(_canonical(row))}, ensure_ascii=False) + "\n"
            fh.write(line)
            digest.update(line.encode())
            count += 1
    with transaction.atomic():
        with _triggers_lifted(model._meta.db_table):
            rows.delete()
        AuditArchive.objects.create(table=table, last_seal_id=seals[-1].pk, rows=count, file=str(path),
                                    sha256=digest.hexdigest())
    return count


class _triggers_lifted:
    """Drop the append-only triggers of one table inside the current transaction and put them
    back before it commits (the DDL is transactional on both SQLite and PostgreSQL)."""

    def __init__(self, table: str):
        self.table = table

    def __enter__(self):
        from .triggers import drop_append_only

        drop_append_only(connection, self.table)

    def __exit__(self, *exc):
        from .triggers import create_append_only

        create_append_only(connection, self.table)
        return False
