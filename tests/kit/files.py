"""Reading exported files back in tests. While the database holds the generated demo (the test
database always does: tests/conftest.py loads it), every export starts with a 演示数据 row
(``core.demomark.export_mark``); these helpers drop it, so a test reads the header first."""

from __future__ import annotations

import csv
import io

from fangguan.core.demomark import is_export_mark


def without_mark(rows: list) -> list:
    """``rows`` (sequences of cells) without a leading 演示数据 row."""
    rows = list(rows)
    return rows[1:] if rows and rows[0] and is_export_mark(rows[0][0]) else rows


def csv_text(text: str) -> str:
    """A CSV export's text from its header on."""
    text = text.lstrip("\ufeff")
    first, _, rest = text.partition("\n")
    return rest if is_export_mark(first.strip().strip('"')) else text


def csv_rows(content: bytes | str) -> list[list[str]]:
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    return without_mark(list(csv.reader(io.StringIO(text.lstrip("\ufeff")))))
