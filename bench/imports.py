"""Import benchmark: home rows from CSV and from .xlsx into PostgreSQL, validated and written
through the same path as any import (``imports.engine.run_job``: parse, match, the models'
validation, scope, bulk write, one change-log row per record), beside PostgreSQL's own COPY of
the same rows into the same table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fangguan_imports_bench \\
        .venv/bin/python bench/imports.py [--rows 1000000] [--formats csv,xlsx] [--paths instance,fast] [--keep]

``--paths``: which validation paths to run at full size (``FANGGUAN_FAST_IMPORTS`` 0 = model
instances per row, 1 = ``FieldChecks`` and the instance-free write); both in one run put the
before and after side by side. Memory flatness is shown by a tenth-size run of each format.

The database named in DATABASE_URL is dropped and created afresh (never point it at real data).
Each measurement runs in its own process, so its peak memory (VmHWM) is its own. Prints
rows/s, peak memory, per-batch (1,000 rows) latency percentiles and the ratio to COPY; the
generated files are deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangguan.settings")
os.environ.setdefault("FANGGUAN_ENV", "test")  # fixed test keys; nothing written under var/
os.environ.setdefault("FANGGUAN_IMPORT_MAX_BYTES", str(2 * 1024**3))  # a million rows is > 20 MB

ESTATES, BUILDINGS = 50, 20  # per set; rooms per building = rows / (ESTATES * BUILDINGS)
HEADER = ["小区编码", "楼号", "单元", "室号", "楼层", "专有面积(㎡)", "用途"]


def rows_of(prefix: str, n: int):
    per_building = max(1, n // (ESTATES * BUILDINGS))
    count = 0
    for e in range(ESTATES):
        for b in range(BUILDINGS):
            for r in range(per_building):
                if count == n:
                    return
                floor = r // 4 + 1
                yield [f"{prefix}{e:03d}", f"{b + 1}号", str(r % 4 + 1), f"{floor}{r % 4 + 1:02d}-{r}", floor,
                       f"{60 + (r * 37) % 80}.{r % 100:02d}", "住宅"]
                count += 1


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the address space, so it starts
    afresh at exec (ru_maxrss would carry the parent's peak over into the child)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"p50": values[0] if values else 0, "p95": 0, "p99": 0}
    q = statistics.quantiles(values, n=100)
    return {"p50": q[49], "p95": q[94], "p99": q[98]}


# --- children (each in its own process) --------------------------------------------------------


def child_import(fmt: str, path: str, label: str = "") -> dict:
    import django

    django.setup()
    from django.core.files import File

    from fangguan.accounts.models import User
    from fangguan.imports.engine import run_job
    from fangguan.imports.services import import_create

    actor = User.objects.get(username="bench")
    start = time.perf_counter()
    with open(path, "rb") as fh:
        upload = File(fh, name=Path(path).name)
        upload.size = os.path.getsize(path)
        job = import_create(actor=actor, kind="homes", upload=upload, filename=Path(path).name, dry_run=False,
                            background=False)
    marks: list[float] = []
    last = time.perf_counter()

    def progress(rows: int, percent: int) -> None:
        nonlocal last
        now = time.perf_counter()
        marks.append((now - last) * 1000)
        last = now

    job = run_job(job.pk, on_progress=progress)
    seconds = time.perf_counter() - start
    job.file.delete(save=False)  # an applied job's upload is gone already; nothing left under var/
    job.error_sheet.delete(save=False)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    return {"what": f"{fmt} {label}".strip(), "rows": job.rows_total, "cpu_s": cpu.ru_utime + cpu.ru_stime, "created": job.created, "failed": job.failed,
            "status": job.status, "seconds": seconds, "peak_mb": peak_mb(), "batch_ms": percentiles(marks),
            "errors": job.errors[:3]}


def child_copy(path: str, prefix: str) -> dict:
    """COPY of the same rows: building ids looked up once, then straight into registry_home."""
    import django

    django.setup()
    from django.db import connection

    from fangguan.registry.models import Building

    ids = {(code, number): pk for pk, code, number in
           Building.objects.filter(estate__code__startswith=prefix).values_list("pk", "estate__code", "number")}
    start = time.perf_counter()
    n = 0
    with connection.cursor() as cursor, open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        raw = cursor.connection
        with raw.cursor().copy(
            "COPY registry_home (building_id, unit, room_number, floor, area_m2, use, property_unit_number,"
            " created_at, updated_at) FROM STDIN"
        ) as copy:
            now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
            for code, number, unit, room, floor, area, _use in reader:
                copy.write_row((ids[(code, number)], unit, room,
                                int(floor), area, "residential", "", now, now))
                n += 1
        raw.commit()
    return {"what": "COPY", "rows": n, "seconds": time.perf_counter() - start, "peak_mb": peak_mb()}


# --- the parent ---------------------------------------------------------------------------------


def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(prefixes: list[str]) -> None:
    import datetime as dt
    from decimal import Decimal

    import django

    django.setup()
    from django.core.management import call_command

    from fangguan.accounts.choices import OrgKind, Role
    from fangguan.accounts.models import Membership, Organisation, User
    from fangguan.registry import models as m

    call_command("migrate", verbosity=0)
    town = m.Town.objects.create(code="B01", name="基准镇")
    bureau = Organisation.objects.create(name="基准局", kind=OrgKind.BUREAU)
    user = User.objects.create_user(username="bench", password="x")
    Membership.objects.create(user=user, organisation=bureau, role=Role.BUREAU_OFFICER)
    for prefix in prefixes:
        estates = m.Estate.objects.bulk_create([
            m.Estate(code=f"{prefix}{e:03d}", name=f"{prefix}{e:03d}苑", town=town, estate_type="commercial",
                     delivered_on=dt.date(2020, 1, 1), floor_area_m2=Decimal("100000")) for e in range(ESTATES)])
        areas = m.ManagementArea.objects.bulk_create([
            m.ManagementArea(estate=e, code=f"{e.code}-1", name=e.name) for e in estates])
        m.Building.objects.bulk_create([
            m.Building(estate=e, area=a, number=f"{b + 1}号", floors=30)
            for e, a in zip(estates, areas, strict=True) for b in range(BUILDINGS)])


def write_csv(path: Path, prefix: str, n: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows_of(prefix, n))


def write_xlsx(path: Path, prefix: str, n: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("房屋")
    sheet.append(HEADER)
    for row in rows_of(prefix, n):
        sheet.append(row)
    book.save(path)


def run_child(*args: str, fast: bool = True) -> dict:
    env = dict(os.environ, FANGGUAN_FAST_IMPORTS="1" if fast else "0")
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--paths", default="fast", help="instance,fast: the validation paths at full size")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_copy(*rest) if kind == "copy" else child_import(kind, *rest)
        result["load"] = os.getloadavg()[0]
        print(json.dumps(result, default=str))
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database the benchmark may drop and create")
    formats = args.formats.split(",")
    paths = args.paths.split(",")
    small = max(1000, args.rows // 10)
    sets = {"copy": "BCPY"}
    for fmt in formats:
        sets[f"{fmt}-small"] = f"S{fmt[0].upper()}"
        for path in paths:
            sets[f"{fmt}-{path}"] = f"{fmt[0].upper()}{path[0].upper()}"
    fresh_database(url)
    seed(list(sets.values()))
    results = []
    with tempfile.TemporaryDirectory(dir=ROOT / "var" if (ROOT / "var").exists() else None) as tmp:
        tmp = Path(tmp)
        write_csv(tmp / "copy.csv", sets["copy"], args.rows)
        results.append(run_child("copy", str(tmp / "copy.csv"), sets["copy"]))
        writers = {"csv": write_csv, "xlsx": write_xlsx}
        for fmt in formats:
            name = tmp / f"small.{fmt}"
            writers[fmt](name, sets[f"{fmt}-small"], small)
            results.append(run_child(fmt, str(name), f"fast, {small:,} rows"))
            for path in paths:
                name = tmp / f"homes-{path}.{fmt}"
                writers[fmt](name, sets[f"{fmt}-{path}"], args.rows)
                results.append(run_child(fmt, str(name), path, fast=path == "fast"))
            print(f"({fmt} done)", file=sys.stderr)
        sizes = {p.name: p.stat().st_size for p in tmp.iterdir()}
        if args.keep:
            keep = ROOT / "var" / "bench-imports"
            keep.mkdir(parents=True, exist_ok=True)
            for p in tmp.iterdir():
                p.rename(keep / p.name)
    copy = next(r for r in results if r["what"] == "COPY")
    print(f"\nhome rows into PostgreSQL ({args.rows:,} rows; files: "
          + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(sizes.items())) + ")")
    print(f"{'what':<26}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'peak MB':>10}{'vs COPY':>9}{'of COPY':>9}"
          f"{'load':>6}{'batch p50':>11}{'p95':>8}{'p99':>8}")
    for r in results:
        rate = r["rows"] / r["seconds"]
        ratio = r["seconds"] / copy["seconds"] * copy["rows"] / max(r["rows"], 1)
        b = r.get("batch_ms", {})
        print(f"{r['what']:<26}{r['rows']:>10,}{r['seconds']:>10.1f}{rate:>10,.0f}{r['peak_mb']:>10.0f}{ratio:>8.1f}x"
              f"{1 / ratio:>9.3f}{r.get('load', 0):>6.1f}"
              + (f"{b['p50']:>9.0f}ms{b['p95']:>6.0f}ms{b['p99']:>6.0f}ms" if b else ""))
        if r.get("failed") or r.get("status") == "failed":
            print("   problems:", r.get("errors"))
    drop_database(url)


if __name__ == "__main__":
    main()
