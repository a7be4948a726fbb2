"""Export memory benchmark (issue 18, "Big exports fail"): the peak resident memory of a background
export of every home of a synthetic district, for two (or more) sizes — flat memory means the
peak does not grow with the number of rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fangguan_export_bench \\
        .venv/bin/python bench/export_memory.py [--homes 50000,200000] [--formats xlsx,csv]

    # a city-size database built once (``manage.py synth --estates 13000``, ~13 min and 9 GB),
    # exported from as it is, as often as wanted:
    .venv/bin/python bench/export_memory.py --database-url postgres://…/fg_city --existing --formats csv

For each size the database is filled with ``manage.py synth`` (the registry is replaced: never
point DATABASE_URL at real data) with as many estates as give about that many homes — or, with
``--existing``, left as it is (every home it holds is exported); then, in a
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


def _sheets(job) -> int:
    """The number of worksheets in the file (read from its zip listing, not by loading it)."""
    import zipfile

    with zipfile.ZipFile(job.file.path) as z:
        return sum(1 for n in z.namelist() if n.startswith("xl/worksheets/sheet"))


def child(fmt: str, filters: dict) -> None:
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
    job = ExportJob.objects.create(owner=user, source="homes", format=fmt, rows_total=total, language="zh-hans",
                                   filters=filters)  # read by the list's own filter schema, as for a user
    connection.close()
    before = rss_mb("VmRSS")
    start = time.monotonic()
    job = run_export(job.pk)
    seconds = time.monotonic() - start
    assert job.status == "succeeded", job.error
    print(json.dumps({"format": fmt, "rows": job.rows_done, "seconds": round(seconds, 1), "size_mb": round(job.size / 1e6, 1),
                      "sheets": _sheets(job) if fmt == "xlsx" else 1,
                      "rss_before_mb": round(before, 1), "peak_mb": round(rss_mb("VmHWM"), 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--homes", default="50000,200000", help="sizes, comma-separated (about; synth decides)")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="the throwaway PostgreSQL database (default: DATABASE_URL)")
    parser.add_argument("--existing", action="store_true",
                        help="no synth: export every home the database holds already (--homes ignored)")
    parser.add_argument("--filters", default="{}",
                        help='the list\'s filters as the job stores them (JSON, e.g. \'{"q": "01"}\'): a part of the homes')
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, json.loads(args.filters))
        return
    db_url = args.database_url
    if not db_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a throwaway PostgreSQL database (its registry is replaced)")
    var = tempfile.mkdtemp(prefix="fangguan-export-bench-")
    env = dict(os.environ, DATABASE_URL=db_url, FANGGUAN_ENV="test", FANGGUAN_VAR_DIR=var, FANGGUAN_HUEY_IMMEDIATE="1",
               DJANGO_SETTINGS_MODULE="fangguan.settings", FANGGUAN_LOG_LEVEL="WARNING")
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    results = []
    try:
        for homes in [None] if args.existing else [int(n) for n in args.homes.split(",")]:
            estates = None
            if homes is not None:
                estates = max(1, round(homes / HOMES_PER_ESTATE))
                subprocess.run([PY, "manage.py", "synth", "--estates", str(estates), "--force", "--if-size"],
                               cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
            for fmt in args.formats.split(","):
                load = os.getloadavg()[0]
                out = subprocess.run([PY, __file__, "--child", fmt, "--filters", args.filters], cwd=ROOT, env=env, check=True,
                                     capture_output=True, text=True).stdout
                result = json.loads(out.strip().splitlines()[-1]) | {
                    "estates": estates, "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2)}
                results.append(result)
                print(f"{result['rows']:>9,} homes ({estates or 'existing'} estates) {fmt:>4}: "
                      f"{result['seconds']:>6.1f} s, file {result['size_mb']:>6.1f} MB in {result['sheets']} sheet(s), "
                      f"memory before {result['rss_before_mb']:>6.1f} MB, peak {result['peak_mb']:>6.1f} MB, "
                      f"load {result['load_before']} → {result['load_after']}", flush=True)
    finally:
        subprocess.run(["rm", "-rf", var], check=False)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
