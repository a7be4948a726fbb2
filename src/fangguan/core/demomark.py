"""Whether the database holds the generated demo (``load_demo``): every page then carries a
discreet 演示数据 banner, so nobody takes generated records (the 2021–2025 plan actuals, the
demo estates and people) for the district's real ones.

The demo loader writes its bulk change-log entries under the audit cause ``load_demo`` (the
change log is append-only, so the mark cannot be lost by editing records). The answer is cached
for a minute per process: one indexed ``EXISTS`` at most once a minute.
"""

from __future__ import annotations

import time

DEMO_CAUSE = "load_demo"
TTL_SECONDS = 60

_cached: tuple[float, bool] | None = None


def holds_generated_demo() -> bool:
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < TTL_SECONDS:
        return _cached[1]
    from .models import ChangeLog

    answer = ChangeLog.objects.filter(cause=DEMO_CAUSE, action="bulk_create").exists()
    _cached = (now, answer)
    return answer


# The first cell of an export's first row while the database holds the demo (``export_mark``):
# always in Chinese, so the imports' reader knows it whatever language the file was exported in.
EXPORT_MARK = "演示数据"


def export_mark() -> str | None:
    """The text of the row every export starts with while the database holds the generated demo
    (``core.exports`` writes it; ``imports.reading`` skips it on re-import), else None."""
    if not holds_generated_demo():
        return None
    from django.utils.translation import gettext

    return f"{EXPORT_MARK}：" + gettext(
        "the records in this file are generated for demonstration, not the district's real records.")


def is_export_mark(cell) -> bool:
    """Whether a cell read back from a file is that row's first cell."""
    return isinstance(cell, str) and cell.strip().lstrip("\ufeff'").startswith(EXPORT_MARK)


def forget() -> None:
    """Ask the database again on the next call (tests, and after loading or removing the demo)."""
    global _cached
    _cached = None
