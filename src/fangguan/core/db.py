"""Database upkeep shared by the bulk loaders."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def analyze() -> None:
    """Planner statistics after a bulk load, as autovacuum would give them later: without them
    PostgreSQL may plan anti-joins over freshly loaded tables row by row (seen: 25 s for the
    company-scope people count). SQLite plans without them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def insert_rows(model, columns: list[str], rows: Iterable[tuple]) -> int:
    """Write plain tuples (values in ``columns``' order) into ``model``'s table in bulk, without
    model instances: COPY on PostgreSQL, ``executemany`` on SQLite. For derived tables rebuilt
    wholesale (``core.rollups.rebuild``), where ``bulk_create`` spent most of its time preparing
    each of a hundred integer fields per row. Returns the rows written."""
    q = connection.ops.quote_name
    table, names = q(model._meta.db_table), ", ".join(q(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        else:
            batch: list[tuple] = []
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (names are the model's)
            for row in rows:
                batch.append(row)
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    written, batch = written + len(batch), []
            if batch:
                cursor.executemany(sql, batch)
                written += len(batch)
    return written


def lock_referenced(model, pk) -> None:
    """Take now the lock that the foreign-key check of a row pointing at ``model`` ``pk`` would
    take at COMMIT (PostgreSQL's FOR KEY SHARE; Django makes foreign keys deferred). Deferred,
    it comes after every other lock of the transaction — after cells of the figures, say — while
    a transaction that changes that record locks it first, then the same cells: the two wait on
    each other (bench/soak.py saw it). Taken first, the locks come in one order. SQLite: nothing
    to do (one writer at a time)."""
    if connection.vendor != "postgresql" or pk is None:
        return
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {q(model._meta.db_table)} WHERE {q(model._meta.pk.column)} = %s "  # noqa: S608
                       "FOR KEY SHARE", [pk])
