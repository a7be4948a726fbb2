"""Benchmark of the registry API at city scale (issue #4), on PostgreSQL, against gunicorn as
deployed, with wrk as the load client — run by ``make bench``:

    make bench ESTATES=250 DURATION=10 CLIENTS="1 8"
    .venv/bin/python bench/registry_api.py --estates 250 --duration 10 --clients 1 8

1. Creates the database (``BENCH_DATABASE_URL``, default ``fangguan_bench`` on 127.0.0.1),
   migrates it and fills it with ``manage.py synth --estates N --if-size`` (nothing is generated
   when it already holds exactly N synthetic estates).
2. Runs with production settings (``FANGGUAN_ENV=production``, DEBUG off, its own secret and
   personal-data keys under var/bench/); a bench account of the district bureau with an API
   token made directly in the database (production requires a second factor to issue one).
3. Per endpoint, captures the SQL one request issues (``CaptureQueriesContext``, on a few
   targets) and times those statements run directly through psycopg, many times: the bare SQL.
4. Starts gunicorn as ``scripts/run.sh`` does (``WEB_CONCURRENCY`` workers, default 3, access
   log to a file) and drives each endpoint with ``wrk`` (a Lua script adds the Bearer token,
   rotates through targets and reports p50/p95/p99) at each client count.
5. Prints the table with the targets' ratios and writes it, with the raw figures, to
   var/bench/registry-<N>.json and .md.

The load client shares the machine with the server: on a 2-core machine wrk's own CPU is part
of what is measured, as the note in docs/performance.md says.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/fangguan_bench"
AS_OF = "2024-06-30"
TARGETS = 40  # distinct estates / people each endpoint rotates through


def log(msg: str) -> None:
    print(msg, flush=True)


def bench_env(db_url: str) -> dict[str, str]:
    """Production-like settings for every process of the benchmark (synth, capture, gunicorn)."""
    OUT.mkdir(parents=True, exist_ok=True)
    keys = OUT / "data-keys.json"
    if not keys.exists():
        keys.write_text(json.dumps({"active": "b1", "keys": {"b1": base64.b64encode(os.urandom(32)).decode()},
                                    "index_key": base64.b64encode(os.urandom(32)).decode()}))
        keys.chmod(0o600)
    secret = OUT / "secret-key"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(50))
        secret.chmod(0o600)
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": db_url,
        "FANGGUAN_ENV": "production",
        "DJANGO_SECRET_KEY": secret.read_text(),
        "FANGGUAN_DATA_KEYS_FILE": str(keys),
        "FANGGUAN_VAR_DIR": str(OUT / "var"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FANGGUAN_LOG_LEVEL": "WARNING",
        # the shared cache a city deployment runs (rate limits, cached figures); its own database
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
    })
    return env


def ensure_database(db_url: str) -> None:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    admin = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def run(cmd: list[str], env: dict) -> None:
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, env=env, cwd=ROOT, check=True)


# --- In-process part: targets, captured SQL, bare timings (Django with the bench settings) ------


def django_setup(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangguan.settings")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()


def prepare() -> dict:
    """The bench account and token, and the requests each endpoint rotates through."""
    import datetime as dt

    from django.db.models import Count
    from django.utils import timezone

    from fangguan.accounts.choices import OrgKind, Role
    from fangguan.accounts.models import ApiToken, Membership, Organisation, User
    from fangguan.registry import models as m

    user, _ = User.objects.get_or_create(username="bench", defaults={"display_name": "benchmark (district bureau)"})
    org = Organisation.objects.filter(kind=OrgKind.BUREAU).first() or Organisation.objects.create(
        name="区房管局 (benchmark)", kind=OrgKind.BUREAU)
    Membership.objects.get_or_create(user=user, organisation=org, role=Role.BUREAU_OFFICER)
    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash(key), prefix=key[:8],
                            expires_at=timezone.now() + dt.timedelta(hours=8))
    # Estates of typical size (around the median number of homes), spread over the city.
    estates = list(m.Estate.objects.annotate(n=Count("buildings__homes")).order_by("n").values_list("pk", "town_id"))
    middle = estates[len(estates) // 4: 3 * len(estates) // 4] or estates
    step = max(1, len(middle) // TARGETS)
    picked = middle[::step][:TARGETS]
    towns = sorted({t for _e, t in picked})
    people = list(m.Person.objects.order_by("pk").values_list("pk", flat=True)[::max(1, m.Person.objects.count() // TARGETS)][:TARGETS])
    numbers = [p.id_number_clear() for p in m.Person.objects.filter(pk__in=people).order_by("pk")]
    return {
        "token": key,
        "endpoints": {
            "estate list (town, type, delivered, limit 20)": {
                "method": "GET",
                "paths": [f"/api/v1/estates?town={t}&estate_type=commercial&delivered_from=2000-01-01&limit=20"
                          for t in towns]},
            # the same lists through the model instances and the schemas (as before core.rows)
            "estate list, through the schemas": {
                "method": "GET",
                "paths": [f"/api/v1/estates?town={t}&estate_type=commercial&delivered_from=2000-01-01&limit=20"
                          for t in towns], "env": {"FANGGUAN_FAST_LISTS": "0"}},
            "estate detail": {"method": "GET", "paths": [f"/api/v1/estates/{e}" for e, _t in picked]},
            "homes of an estate (limit 50)": {
                "method": "GET", "paths": [f"/api/v1/homes?estate={e}&limit=50" for e, _t in picked]},
            "homes of an estate, through the schemas": {
                "method": "GET", "paths": [f"/api/v1/homes?estate={e}&limit=50" for e, _t in picked],
                "env": {"FANGGUAN_FAST_LISTS": "0"}},
            "people search (id number)": {
                "method": "POST", "paths": ["/api/v1/people/search"] * len(numbers),
                "bodies": [json.dumps({"id_number": n}) for n in numbers]},
            # the first request for a date and scope computes the figures; later ones are cached
            f"stats as of {AS_OF} (computed: cache off)": {
                "method": "GET", "paths": [f"/api/v1/stats/registry?as_of={AS_OF}"],
                "env": {"FANGGUAN_FIGURES_CACHE_SECONDS": "0"}},
            f"stats as of {AS_OF} (cached)": {"method": "GET", "paths": [f"/api/v1/stats/registry?as_of={AS_OF}"]},
            "empty endpoint (/api/v1/ping)": {"method": "GET", "paths": ["/api/v1/ping"]},
        },
    }


def capture_and_time_bare(plan: dict, runs: int) -> dict:
    """Per endpoint: the statements one request issues (captured on each target), then those
    statements run directly with psycopg, ``runs`` times in rotation — median, p95 per request."""
    import psycopg
    from django.test import Client, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plan['token']}"}
    dsn = os.environ["DATABASE_URL"]
    results = {}
    with psycopg.connect(dsn, autocommit=True) as raw:
        for name, ep in plan["endpoints"].items():
            overrides = {k: int(v) for k, v in ep.get("env", {}).items()}
            with override_settings(**overrides):
                results[name] = _capture_and_time(client, headers, raw, name, ep, runs)
    return results


def _capture_and_time(client, headers, raw, name: str, ep: dict, runs: int) -> dict:
    """One endpoint: warm it, capture each target's SELECTs, time them bare and in process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    targets = range(min(len(ep["paths"]), TARGETS))

    def call(i: int):
        if ep["method"] == "POST":
            return client.post(ep["paths"][i], ep["bodies"][i], content_type="application/json", secure=True, **headers)
        return client.get(ep["paths"][i], secure=True, **headers)

    for i in targets:
        call(i)  # the steady state a server reaches: grants, token use, cached figures
    per_target = []
    for i in targets:
        with CaptureQueriesContext(connection) as ctx:
            r = call(i)
        if r.status_code != 200:
            raise SystemExit(f"{name}: {ep['paths'][i]} answered {r.status_code}: {r.content[:300]!r}")
        per_target.append([q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")])
    for statements in per_target:  # warm up
        for sql in statements:
            raw.execute(sql).fetchall()
    times = []
    for k in range(runs):
        statements = per_target[k % len(per_target)]
        started = time.perf_counter()
        for sql in statements:
            raw.execute(sql).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    # the same requests through Django in this process: no HTTP, no gunicorn, one client
    inproc = []
    for k in range(max(20, runs // 5)):
        started = time.perf_counter()
        call(k % len(per_target))
        inproc.append((time.perf_counter() - started) * 1000)
    result = {
        "queries": len(per_target[0]),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
        "in_process_p50_ms": statistics.median(inproc),
        "sql": per_target[0],
    }
    log(f"  bare SQL, {name}: {result['queries']} queries, median {result['p50_ms']:.2f} ms; "
        f"in process (Django, no HTTP) {result['in_process_p50_ms']:.1f} ms")
    return result


# --- Out-of-process part: gunicorn and wrk ---------------------------------------------------------


LUA = """
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local i = 0
wrk.method = "%(method)s"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["X-Forwarded-Proto"] = "https"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local k = (i %% #paths) + 1
  local body = nil
  if #bodies > 0 then body = bodies[k] end
  return wrk.format(nil, paths[k], nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"errors": %%d, "non2xx": %%d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def lua_script(name: str, ep: dict, token: str) -> Path:
    def quote(values):
        return ", ".join(json.dumps(v) for v in values)

    path = OUT / ("wrk-" + "".join(c if c.isalnum() else "_" for c in name)[:40] + ".lua")
    path.write_text(LUA % {"paths": quote(ep["paths"]), "bodies": quote(ep.get("bodies", [])),
                           "method": ep["method"], "token": token})
    return path


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    cmd = [str(ROOT / ".venv" / "bin" / "gunicorn"), "fangguan.wsgi:application", "--pythonpath", "src",
           "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60",
           "--access-logfile", str(OUT / "access.log"),
           "--access-logformat", '%(t)s "%(r)s" %(s)s %(b)s %(M)sms']
    log("$ " + " ".join(cmd))
    with open(OUT / "gunicorn.log", "w") as logfile:  # the child keeps its own descriptor
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(120):
        try:
            with urllib.request.urlopen(urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}), timeout=2) as r:
                if r.status == 200:
                    return proc
        except Exception:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("gunicorn did not come up: see var/bench/gunicorn.log")


def wrk(script: Path, port: int, clients: int, duration: int) -> dict:
    cmd = ["wrk", "-t1", f"-c{clients}", f"-d{duration}s", "--timeout", "10s", "-s", str(script),
           f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    seconds = data["duration_us"] / 1e6
    return {"clients": clients, "requests": data["requests"], "rps": data["requests"] / seconds,
            "p50_ms": data["p50_us"] / 1000, "p95_ms": data["p95_us"] / 1000, "p99_ms": data["p99_us"] / 1000,
            "errors": data["errors"], "non2xx": data["non2xx"]}


def table(estates: int, homes: int, results: dict, clients: list[int]) -> str:
    empty = next(v for k, v in results.items() if k.startswith("empty"))
    hi = max(clients)
    lines = [
        f"| endpoint | queries | bare p50 ms | in-process p50 ms | 1 client p50 / p95 / p99 ms | 1 client req/s | "
        f"{hi} clients p50 / p95 / p99 ms | {hi} clients req/s | p50 ≤ 3×bare+5 | p95 < 50 ms | {hi}-client req/s ≥ ½ empty |",
        "|---|---:|---:|---:|---|---:|---|---:|---|---|---|",
    ]
    for name, r in results.items():
        one, many = r["load"][min(clients)], r["load"][hi]
        bare = r["bare"]["p50_ms"]
        limit = 3 * bare + 5
        ok_median = "—" if name.startswith("empty") else f"{'yes' if one['p50_ms'] <= limit else 'NO'} ({one['p50_ms']:.1f} vs {limit:.1f})"
        ok_p95 = "yes" if one["p95_ms"] < 50 else "NO"
        ratio = many["rps"] / empty["load"][hi]["rps"]
        ok_rps = "—" if name.startswith("empty") else f"{'yes' if ratio >= 0.5 else 'NO'} ({ratio:.2f})"
        lines.append(
            f"| {name} | {r['bare']['queries']} | {bare:.2f} | {r['bare'].get('in_process_p50_ms', 0):.1f} | {one['p50_ms']:.1f} / {one['p95_ms']:.1f} / {one['p99_ms']:.1f} | "
            f"{one['rps']:.0f} | {many['p50_ms']:.1f} / {many['p95_ms']:.1f} / {many['p99_ms']:.1f} | {many['rps']:.0f} | "
            f"{ok_median} | {ok_p95} | {ok_rps} |")
    head = f"{estates:,} synthetic estates, {homes:,} homes — PostgreSQL, gunicorn, wrk"
    return head + "\n\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--estates", type=int, default=250)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--bare-runs", type=int, default=200)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    parser.add_argument("--only", nargs="*", help="endpoint names starting with these words")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (make bench does this)")
    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if not db_url.startswith("postgres"):
        raise SystemExit("make bench measures PostgreSQL: BENCH_DATABASE_URL must be postgres://…")
    env = bench_env(db_url)
    ensure_database(db_url)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PY, "manage.py", "synth", "--estates", str(args.estates), "--seed", str(args.seed), "--if-size"], env)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)

    django_setup(env)
    from django.db import connection

    from fangguan.registry.models import Home

    with connection.cursor() as cursor:  # as a long-lived database would be: statistics, visibility map
        cursor.execute("VACUUM ANALYZE")
    homes = Home.objects.count()
    plan = prepare()
    if args.only:
        plan["endpoints"] = {k: v for k, v in plan["endpoints"].items()
                             if k.startswith("empty") or any(k.startswith(w) for w in args.only)}
    log("Capturing each endpoint's SQL and timing it bare …")
    bare = capture_and_time_bare(plan, args.bare_runs)
    connection.close()

    results = {}
    groups: dict[tuple, list[str]] = {}  # endpoints that need the server started with other settings
    for name, ep in plan["endpoints"].items():
        groups.setdefault(tuple(sorted(ep.get("env", {}).items())), []).append(name)
    for extra, names in groups.items():
        proc = start_gunicorn({**env, **dict(extra)}, args.port, args.workers)
        try:
            for name in names:
                ep = plan["endpoints"][name]
                script = lua_script(name, ep, plan["token"])
                wrk(script, args.port, max(args.clients), 2)  # warm the workers
                load = {}
                for clients in args.clients:
                    load[clients] = r = wrk(script, args.port, clients, args.duration)
                    log(f"  {name}, {clients} client(s): p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, "
                        f"{r['rps']:.0f} req/s, errors {r['errors']}, non-2xx {r['non2xx']}")
                    if r["non2xx"] or r["errors"]:
                        raise SystemExit(f"{name}: failed requests — see var/bench/gunicorn.log")
                results[name] = {"bare": bare[name], "load": load}
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    results = {name: results[name] for name in plan["endpoints"]}  # in the plan's order

    text = table(args.estates, homes, results, args.clients)
    machine = (f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
               f"{args.workers} gunicorn workers, wrk on the same machine, {args.duration} s per run")
    print("\n" + text + "\n\n" + machine)
    (OUT / f"registry-{args.estates}.md").write_text(text + "\n\n" + machine + "\n")
    (OUT / f"registry-{args.estates}.json").write_text(json.dumps(
        {"estates": args.estates, "homes": homes, "machine": machine, "results": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
