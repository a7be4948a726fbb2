"""The one table every bench feeds (``make bench-all``): operation, p50, p95, bare SQL, ratio,
goal, met? — as Markdown, written into docs/performance.md between the summary markers with the
machine, load average and commit. Pure functions: tests/scale/test_bench_summary.py runs them at a
tiny size so they do not rot (the benches themselves never run in ``make test`` or CI)."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

BEGIN = "<!-- bench-all summary: begin (written by make bench-all) -->"
END = "<!-- bench-all summary: end -->"


@dataclass(frozen=True)
class Row:
    operation: str
    p50: float
    p95: float
    bare: float | None = None  # the bare SQL's p50 (ms)
    goal: str = ""  # e.g. "p95 ≤ 300 ms", "p50 ≤ 2×bare+3 ms", "8-client req/s ≥ ½ empty"
    met: bool | None = None  # None: no goal

    @property
    def ratio(self) -> float | None:
        return self.p50 / self.bare if self.bare else None


def p95_goal(operation: str, p50: float, p95: float, bare: float | None, limit_ms: float) -> Row:
    return Row(operation, p50, p95, bare, f"p95 ≤ {limit_ms:g} ms", p95 <= limit_ms)


def median_goal(operation: str, p50: float, p95: float, bare: float, times: float = 2, plus_ms: float = 3) -> Row:
    limit = times * bare + plus_ms
    return Row(operation, p50, p95, bare, f"p50 ≤ {times:g}×bare+{plus_ms:g} ms ({limit:.1f})", p50 <= limit)


def throughput_goal(operation: str, p50: float, p95: float, bare: float | None, rps: float, empty_rps: float,
                    clients: int, share: float = 0.5) -> Row:
    ratio = rps / empty_rps if empty_rps else 0.0
    return Row(operation, p50, p95, bare,
               f"{clients}-client req/s ≥ {share:g}× empty ({rps:.0f} vs {empty_rps:.0f}: {ratio:.2f})",
               ratio >= share)


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"


def table(rows: list[Row]) -> str:
    lines = ["| operation | p50 ms | p95 ms | bare SQL ms | ratio | goal | met? |",
             "|---|---:|---:|---:|---:|---|---|"]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "NO")
        ratio = "" if r.ratio is None else f"{r.ratio:.1f}"
        lines.append(f"| {r.operation} | {_ms(r.p50)} | {_ms(r.p95)} | {_ms(r.bare)} | {ratio} | {r.goal} | {met} |")
    return "\n".join(lines)


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.node() or 'machine'}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average {load}")


def commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def section(rows: list[Row], *, command: str, scale: str, sizes: str, started: str, load_start: str,
            root: Path) -> str:
    return "\n".join([
        BEGIN,
        f"`{command}` — scale `{scale}` ({sizes}); started {started}, load average at the start {load_start}; "
        f"at the end {machine()}; commit {commit(root)}.",
        "",
        table(rows),
        END,
    ])


def write(doc: Path, text: str) -> None:
    """Replace the summary between the markers (or put it after the title the first time)."""
    body = doc.read_text(encoding="utf-8")
    if BEGIN in body and END in body:
        head, rest = body.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        body = head + text + tail
    else:
        title, _, rest = body.partition("\n")
        body = f"{title}\n\n## Summary (`make bench-all`)\n\n{text}\n{rest}"
    doc.write_text(body, encoding="utf-8")
