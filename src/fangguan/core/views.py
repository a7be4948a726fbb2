"""Health check: 200 with the database's state, 503 if the database does not answer; and the
one reading of a date parameter that pages take (``?as_of=``)."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        pending = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    except Exception as exc:  # the check must answer, whatever is wrong
        return JsonResponse({"status": "error", "database": {"vendor": connection.vendor, "ok": False, "error": type(exc).__name__}}, status=503)
    database = {
        "vendor": connection.vendor,
        "ok": True,
        "migrations_pending": len(pending),
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    ok = not pending
    return JsonResponse({"status": "ok" if ok else "degraded", "database": database}, status=200 if ok else 503)


def date_param(request, name: str, default: dt.date) -> tuple[dt.date, str | None]:
    """The day in ``request.GET[name]``: ``default`` when absent; ``default`` and the raw text when
    it is not a date, so the page can say what it shows instead."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default, None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return default, raw
