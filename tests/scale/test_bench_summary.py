"""The bench-all table's helpers at a tiny size (the benches themselves never run in the suite):
goals judged on made-up figures, the table's shape, and the summary section written into a copy
of docs/performance.md and replaced, not repeated, by the next run."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import all as bench_all  # noqa: E402
import summary  # noqa: E402


def registry_data():
    def ep(bare, p50_one, p95_one, rps_one, p50_many, rps_many):
        return {"bare": {"p50_ms": bare}, "load": {
            "1": {"p50_ms": p50_one, "p95_ms": p95_one, "rps": rps_one},
            "8": {"p50_ms": p50_many, "p95_ms": 2 * p50_many, "rps": rps_many}}}

    return {"homes": 1234, "results": {
        "estate list (limit 20)": ep(2.0, 6.5, 9.0, 150, 30.0, 260),
        "homes of an estate (limit 50)": ep(1.0, 7.0, 12.0, 120, 60.0, 200),
        "stats as of 2024-06-30 (computed: cache off)": ep(90.0, 120.0, 400.0, 8, 500.0, 12),
        "empty endpoint (/api/v1/ping)": ep(0.1, 2.0, 3.0, 400, 9.0, 500),
    }}


def test_registry_goals():
    every = bench_all.registry_rows(registry_data(), [1, 8])
    rows = {r.operation: r for r in every if "p95" not in r.goal}
    assert rows["registry: estate list (limit 20), 1 client"].met is True  # 6.5 ≤ 2×2+3
    assert rows["registry: homes of an estate (limit 50), 1 client"].met is False  # 7 > 2×1+3
    assert rows["registry: estate list (limit 20), 8 clients"].met is True  # 260 ≥ 250
    assert rows["registry: homes of an estate (limit 50), 8 clients"].met is False  # 200 < 250
    stats = [r for r in every if r.operation.startswith("registry: stats") and "p95" in r.goal]
    assert len(stats) == 1 and stats[0].met is False  # 400 ms p95 > 300
    assert rows["registry: empty endpoint (/api/v1/ping), 1 client"].met is None


def test_repairs_goals_and_ratio():
    rows = bench_all.repairs_rows({"requests": 100, "results": [
        {"operation": "repair figures by company (bureau), full pass (before)", "p50": 900.0, "p95": 950.0,
         "bare": 800.0},
        {"operation": "repair figures by company (bureau), from the cells", "p50": 20.0, "p95": 30.0, "bare": 10.0},
        {"operation": "one request with its events", "p50": 4.0, "p95": 5.0, "bare": 0.5},
    ]})
    assert [r.met for r in rows] == [False, True, None]
    assert rows[1].ratio == 2.0


def test_table_and_summary_section(tmp_path):
    rows = bench_all.registry_rows(registry_data(), [1, 8])
    text = summary.table(rows)
    lines = text.splitlines()
    assert lines[0] == "| operation | p50 ms | p95 ms | bare SQL ms | ratio | goal | met? |"
    assert len(lines) == 2 + len(rows)
    assert all(line.count("|") == 8 for line in lines)
    doc = tmp_path / "performance.md"
    doc.write_text((ROOT / "docs" / "performance.md").read_text(encoding="utf-8"), encoding="utf-8")
    for n in (1, 2):
        summary.write(doc, summary.section(rows, command="make bench-all", scale="tiny", sizes=f"run {n}",
                                           started="now", load_start="0", root=ROOT))
    body = doc.read_text(encoding="utf-8")
    assert body.count(summary.BEGIN) == 1 and body.count(summary.END) == 1
    assert "run 2" in body and "run 1" not in body
    assert body.startswith("# Performance")
