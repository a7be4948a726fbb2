"""Database upkeep shared by the bulk loaders."""

from __future__ import annotations

from django.db import connection


def analyze() -> None:
    """Planner statistics after a bulk load, as autovacuum would give them later: without them
    PostgreSQL may plan anti-joins over freshly loaded tables row by row (seen: 25 s for the
    company-scope people count). SQLite plans without them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
