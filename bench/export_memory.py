"""Export memory benchmark (issue 18, "Big exports fail"): the peak resident memory of a background
export of every home of a synthetic district, for two (or more) sizes — flat memory means the
peak does not grow with the number of rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fangguan_export_bench \\
        .venv/bin/python bench/export_memory.py [--homes 50000,200000] [--formats xlsx,csv]

For each size the database is filled with ``manage.py synth`` (the registry is replaced: never
point DATABASE_URL at real data) with as many estates as give about that many homes; then, in a
fresh process per format, the district bureau's export of all homes runs through the same path
as in production (``exports.services.run_export``: the registry's list read with
``.iterator(chunk_size=…)``, written row by row — CSV as text, .xlsx with openpyxl's write-only
workbook). Each process's peak memory (VmHWM) is its own; its memory before the export (Django
loaded, the user read) is printed beside it. Files go to a temporary directory, deleted after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOMES_PER_ESTATE = 615  # synth's Shanghai proportions (about)


def rss_mb(field: str) -> float:
    """VmHWM (peak) or VmRSS (now) of this process, in MB. VmHWM starts afresh at exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(fmt: str) -> None:
    """One export of every home by a bureau user, in this process; prints a JSON line."""
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    from django.db import connection

    from fangguan.accounts.choices import OrgKind, Role
    from fangguan.accounts.models import Membership, Organisation, User
    from fangguan.exports.models import ExportJob
    from fangguan.exports.services import run_export
    from fangguan.registry.exports import export_count
    from fangguan.registry.resources import RESOURCES

    user, _ = User.objects.get_or_create(username="bench", defaults={"display_name": "benchmark (district bureau)"})
    org = Organisation.objects.filter(kind=OrgKind.BUREAU).first() or Organisation.objects.create(
        name="区房管局 (benchmark)", kind=OrgKind.BUREAU)
    Membership.objects.get_or_create(user=user, organisation=org, role=Role.BUREAU_OFFICER)
    resource = RESOURCES["homes"]
    total = export_count(user, resource, resource.queryset(user))
    job = ExportJob.objects.create(owner=user, source="homes", format=fmt, rows_total=total, language="zh-hans")
    connection.close()
    before = rss_mb("VmRSS")
    start = time.monotonic()
    job = run_export(job.pk)
    seconds = time.monotonic() - start
    assert job.status == "succeeded", job.error
    print(json.dumps({"format": fmt, "rows": job.rows_done, "seconds": round(seconds, 1), "size_mb": round(job.size / 1e6, 1),
                      "rss_before_mb": round(before, 1), "peak_mb": round(rss_mb("VmHWM"), 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--homes", default="50000,200000", help="sizes, comma-separated (about; synth decides)")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    db_url = os.environ.get("DATABASE_URL", "")
    if not db_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a throwaway PostgreSQL database (its registry is replaced)")
    var = tempfile.mkdtemp(prefix="fangguan-export-bench-")
    env = dict(os.environ, FANGGUAN_ENV="test", FANGGUAN_VAR_DIR=var, FANGGUAN_HUEY_IMMEDIATE="1",
               DJANGO_SETTINGS_MODULE="fangguan.settings", FANGGUAN_LOG_LEVEL="WARNING")
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    results = []
    try:
        for homes in [int(n) for n in args.homes.split(",")]:
            estates = max(1, round(homes / HOMES_PER_ESTATE))
            subprocess.run([PY, "manage.py", "synth", "--estates", str(estates), "--force", "--if-size"],
                           cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
            for fmt in args.formats.split(","):
                out = subprocess.run([PY, __file__, "--child", fmt], cwd=ROOT, env=env, check=True,
                                     capture_output=True, text=True).stdout
                result = json.loads(out.strip().splitlines()[-1]) | {"estates": estates}
                results.append(result)
                print(f"{result['rows']:>9,} homes ({estates} estates) {fmt:>4}: {result['seconds']:>6.1f} s, "
                      f"file {result['size_mb']:>6.1f} MB, memory before {result['rss_before_mb']:>6.1f} MB, "
                      f"peak {result['peak_mb']:>6.1f} MB", flush=True)
    finally:
        subprocess.run(["rm", "-rf", var], check=False)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
