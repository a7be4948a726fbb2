"""Soak test (issue 20): a realistic mix at N clients for D minutes against a running server.

    .venv/bin/python bench/soak.py --url http://127.0.0.1:8000 --clients 8 --minutes 30 --warmup 3 \\
        --pids 1234 1240 1241 1300   # the server's and the worker's processes (RSS at start/end)

``--warmup`` minutes of the same mix run first and are not counted: a fresh worker grows while it
imports modules and fills its caches on first use, which is not a leak; the RSS "at start" is
taken when the warm-up ends, so the growth reported is that of the measured period.

Every client is a thread with its own HTTP connection pool, picking one action at a time by
weight, as the demo's users (bearer tokens from /api/v1/auth/token with the demo password):

| action | who | what |
|---|---|---|
| resident_report | yezhu | POST /api/v1/repairs (their own estate, channel app) |
| resident_confirm | yezhu | their completed requests, confirm the first (or only the list when none) |
| dispatcher_queue | wuye | GET /api/v1/repairs?status=submitted (the queue, 50 rows) |
| dispatcher_work | wuye | accept the queue's first request, start it, complete it |
| officer_dashboard | zhujing | GET /api/v1/repairs/stats and /api/v1/dashboard/coverage |
| officer_list | zhujing | GET /api/v1/homes (50 rows) |
| officer_export | zhujing | GET /api/v1/estates/export?format=xlsx |

and a background thread uploads an import every ``--import-every`` seconds — the officer's own
estates export read back as a dry run, every row checked — and polls it to the end (the huey
worker must run, not eagerly).

An answer is an error unless it is the action's success status. A 409 on dispatcher_work or
resident_confirm — two clients took the same request at once — is counted apart as a conflict:
the workflow refusing a stale action is correct behaviour, not a failure.

The server must allow the resident more than the day's 10 reports: start it with
``DJANGO_SETTINGS_MODULE=soak_settings`` (``PYTHONPATH=bench``; REPAIRS_DAILY_LIMIT raised).
Prints one Markdown table: per action count, throughput, p50/p95/p99 (ms), errors, conflicts;
then each process's RSS at start and end.
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

DEMO_PASSWORD = os.environ.get("FANGGUAN_DEMO_PASSWORD", "Fangguan-demo-2026")
WEIGHTS = {
    "resident_report": 10, "resident_confirm": 5, "dispatcher_queue": 25, "dispatcher_work": 15,
    "officer_dashboard": 20, "officer_list": 15, "officer_export": 5,
}


class Api:
    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, body=None, *, raw: bytes | None = None, content_type=None):
        headers = {"Accept-Language": "zh-CN"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = raw
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:  # noqa: S310 — our own server
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def token(base: str, username: str) -> str:
    status, body = Api(base).call("POST", "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD})
    assert status == 200, (username, status, body[:200])
    return json.loads(body)["token"]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = collections.defaultdict(list)
        self.errors = collections.Counter()
        self.conflicts = collections.Counter()
        self.samples = collections.defaultdict(list)

    def reset(self):
        """Forget what was recorded (the warm-up's requests)."""
        with self.lock:
            self.times.clear(), self.errors.clear(), self.conflicts.clear(), self.samples.clear()

    def record(self, action: str, seconds: float, ok: bool, conflict: bool = False, detail: str = ""):
        with self.lock:
            self.times[action].append(seconds)
            if conflict:
                self.conflicts[action] += 1
            elif not ok:
                self.errors[action] += 1
                if len(self.samples[action]) < 3:
                    self.samples[action].append(detail)


class Client(threading.Thread):
    def __init__(self, base, tokens, stats, deadline, seed, estate_id):
        super().__init__(daemon=True)
        self.api = {who: Api(base, t) for who, t in tokens.items()}
        self.stats, self.deadline, self.rng, self.estate_id = stats, deadline, random.Random(seed), estate_id

    def run(self):
        actions, weights = zip(*WEIGHTS.items(), strict=True)
        while time.monotonic() < self.deadline:
            action = self.rng.choices(actions, weights)[0]
            start = time.perf_counter()
            try:
                ok, conflict, detail = getattr(self, action)()
            except Exception as exc:  # a dropped connection is an error too
                ok, conflict, detail = False, False, repr(exc)[:200]
            self.stats.record(action, time.perf_counter() - start, ok, conflict, detail)

    def _expect(self, status, body, *want):
        return status in want, status == 409, f"{status} {body[:160]!r}"

    def resident_report(self):
        status, body = self.api["yezhu"].call("POST", "/api/v1/repairs", {
            "estate": self.estate_id, "category": "roof-leak", "description": f"屋顶漏水（压测 {uuid.uuid4().hex[:6]}）"})
        return self._expect(status, body, 201)

    def resident_confirm(self):
        status, body = self.api["yezhu"].call("GET", "/api/v1/repairs?status=completed&limit=5")
        if status != 200:
            return self._expect(status, body, 200)
        items = json.loads(body)["items"]
        if not items:
            return True, False, ""
        status, body = self.api["yezhu"].call("POST", f"/api/v1/repairs/{items[0]['id']}/actions",
                                              {"action": "confirm", "rating": 5})
        return self._expect(status, body, 200)

    def dispatcher_queue(self):
        status, body = self.api["wuye"].call("GET", "/api/v1/repairs?status=submitted&limit=50")
        return self._expect(status, body, 200)

    def dispatcher_work(self):
        wuye = self.api["wuye"]
        status, body = wuye.call("GET", "/api/v1/repairs?status=submitted&limit=20")
        if status != 200:
            return self._expect(status, body, 200)
        items = json.loads(body)["items"]
        if not items:
            return True, False, ""
        rid = self.rng.choice(items)["id"]
        for action in ("accept", "start", "complete"):
            status, body = wuye.call("POST", f"/api/v1/repairs/{rid}/actions", {"action": action, "note": "压测"})
            if status != 200:
                return self._expect(status, body, 200)
        return True, False, ""

    def officer_dashboard(self):
        status, body = self.api["zhujing"].call("GET", "/api/v1/repairs/stats")
        if status != 200:
            return self._expect(status, body, 200)
        status, body = self.api["zhujing"].call("GET", "/api/v1/dashboard/coverage")
        return self._expect(status, body, 200)

    def officer_list(self):
        status, body = self.api["zhujing"].call("GET", f"/api/v1/homes?limit=50&offset={self.rng.randrange(0, 500)}")
        return self._expect(status, body, 200)

    def officer_export(self):
        status, body = self.api["zhujing"].call("GET", "/api/v1/estates/export?format=xlsx")
        return self._expect(status, body, 200)


def importer(base, token_, stats, deadline, every, content: bytes):
    api = Api(base, token_)
    while time.monotonic() < deadline:
        start = time.perf_counter()
        boundary = uuid.uuid4().hex
        parts = io.BytesIO()
        for name, value in (("kind", "estates"), ("dry_run", "true")):
            parts.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="soak.csv"\r\n'
                    f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
        parts.write(f"--{boundary}--\r\n".encode())
        status, body = api.call("POST", "/api/v1/imports", raw=parts.getvalue(),
                                content_type=f"multipart/form-data; boundary={boundary}")
        ok = status == 202
        if ok:
            job = json.loads(body)["id"]
            while time.monotonic() < deadline + 120:
                status, body = api.call("GET", f"/api/v1/imports/{job}")
                state = json.loads(body).get("status") if status == 200 else "?"
                if state in ("succeeded", "failed", "?"):
                    ok = state == "succeeded"
                    break
                time.sleep(1)
        stats.record("background_import", time.perf_counter() - start, ok, detail=f"{status} {body[:160]!r}")
        time.sleep(max(0.0, every - (time.perf_counter() - start)))


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--pids", type=int, nargs="*", default=[])
    parser.add_argument("--import-every", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=0, help="minutes of the mix run first, not counted")
    args = parser.parse_args()

    tokens = {who: token(args.url, who) for who in ("yezhu", "wuye", "zhujing")}
    status, body = Api(args.url, tokens["yezhu"]).call("GET", "/api/v1/estates?limit=1")
    estate_id = json.loads(body)["items"][0]["id"]
    # the import: the officer's own export of the estates, read back as a dry run (every row checked)
    status, estates_csv = Api(args.url, tokens["zhujing"]).call("GET", "/api/v1/estates/export?format=csv")
    assert status == 200, (status, estates_csv[:200])

    stats = Stats()
    warm_until = time.monotonic() + args.warmup * 60
    deadline = warm_until + args.minutes * 60
    threads = [Client(args.url, tokens, stats, deadline, seed, estate_id) for seed in range(args.clients)]
    threads.append(threading.Thread(target=importer, daemon=True, args=(
        args.url, tokens["zhujing"], stats, deadline, args.import_every, estates_csv)))
    for t in threads:
        t.start()
    time.sleep(max(0.0, warm_until - time.monotonic()))
    stats.reset()
    rss_start = {pid: rss_kb(pid) for pid in args.pids}
    load_start = os.getloadavg()
    began = time.monotonic()
    for t in threads:
        t.join(timeout=args.minutes * 60 + 300)
    elapsed = time.monotonic() - began
    rss_end = {pid: rss_kb(pid) for pid in args.pids}
    load_end = os.getloadavg()

    print(f"\n{args.clients} clients, {elapsed / 60:.1f} min (after {args.warmup:g} min warm-up) against {args.url}; load average at start "
          f"{load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}, at end {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}\n")
    print("| action | requests | per s | p50 ms | p95 ms | p99 ms | errors | conflicts (409) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    total = errors = 0
    for action in [*WEIGHTS, "background_import"]:
        t = stats.times.get(action, [])
        total += len(t)
        errors += stats.errors[action]
        print(f"| {action} | {len(t)} | {len(t) / elapsed:.2f} | {pct(t, 50) * 1000:.0f} | {pct(t, 95) * 1000:.0f} | "
              f"{pct(t, 99) * 1000:.0f} | {stats.errors[action]} | {stats.conflicts[action]} |")
    every = [x for v in stats.times.values() for x in v]
    print(f"| **all** | {total} | {total / elapsed:.2f} | {pct(every, 50) * 1000:.0f} | {pct(every, 95) * 1000:.0f} | "
          f"{pct(every, 99) * 1000:.0f} | {errors} | {sum(stats.conflicts.values())} |")
    if args.pids:
        print("\n| process | RSS at start (MB) | RSS at end (MB) | growth |\n|---|---:|---:|---:|")
        for pid in args.pids:
            a, b = rss_start[pid], rss_end[pid]
            cmd = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:60] if b else "(gone)"
            growth = f"{(b - a) / a * 100:+.1f}%" if a and b else "—"
            print(f"| {pid} {cmd} | {(a or 0) / 1024:.0f} | {(b or 0) / 1024:.0f} | {growth} |")
    for action, samples in stats.samples.items():
        print(f"\nerrors in {action}: {samples}")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
