"""Append-only tables: triggers that refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL).

Used by the migrations that create the audit tables and by the archiver, which lifts them for
one table inside one transaction after exporting the rows it removes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION fangguan_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;"
)


def create_append_only(connection, table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
                )
        elif connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION, None)  # the % is PL/pgSQL's, not a placeholder
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            cursor.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                           f"FOR EACH ROW EXECUTE FUNCTION fangguan_append_only();")
            cursor.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                           f"FOR EACH STATEMENT EXECUTE FUNCTION fangguan_append_only();")


def drop_append_only(connection, table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for op in ("update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


def is_append_only(connection, table: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [f"{table}_no_delete"])
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [f"{table}_append_only"])
        else:
            return False
        return cursor.fetchone() is not None


@contextmanager
def append_only_lifted(connection, tables: Iterable[str]) -> Iterator[None]:
    """Lift the triggers of those of ``tables`` that are append-only, and put them back: only for
    wiping a whole synthetic registry (``registry.synth.wipe``), never for a record's history."""
    lifted = [table for table in tables if is_append_only(connection, table)]
    for table in lifted:
        drop_append_only(connection, table)
    try:
        yield
    finally:
        for table in lifted:
            create_append_only(connection, table)
