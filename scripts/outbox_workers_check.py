"""Check by hand that concurrent outbox workers never double-send: N events, a receiver that
takes a few ms per request, K `outbox_deliver --now` processes started at once; counts requests
and duplicates. Uses (and migrates) the database of DATABASE_URL and empties its outbox:
    DATABASE_URL=postgres://.../scratch .venv/bin/python scripts/outbox_workers_check.py 400 3
For a scratch database only (other subscribers of ``*`` there would receive the test events).
"""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangguan.settings")
import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

if settings.ENV == "production":
    sys.exit("a scratch database only")

N, K = int(sys.argv[1]), int(sys.argv[2])
seen = Counter()
lock = threading.Lock()


class H(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(0.005)
        with lock:
            seen[self.headers["X-Fangguan-Event-Id"]] += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=server.serve_forever, daemon=True).start()
call_command("migrate", verbosity=0)
from fangguan.outbox.models import Delivery, OutboxEvent, Subscriber  # noqa: E402
from fangguan.outbox.services import publish, subscriber_create  # noqa: E402

OutboxEvent.objects.filter(topic="check.workers").delete()
Subscriber.objects.filter(name="outbox-workers-check").delete()
subscriber_create(None, name="outbox-workers-check", url=f"http://127.0.0.1:{server.server_address[1]}/",
                  topics=["check.workers"])
for i in range(N):
    publish("check.workers", {"i": i})
started = time.monotonic()
command = [sys.executable, str(ROOT / "manage.py"), "outbox_deliver", "--now"]
procs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(K)]  # noqa: S603
outs = [p.communicate()[0].strip() for p in procs]
elapsed = time.monotonic() - started
print(f"events {N}, workers {K}, {elapsed:.1f}s; worker reports: {outs}")
print(f"received distinct {len(seen)}, total requests {sum(seen.values())}, duplicates {sum(v - 1 for v in seen.values())}")
print("delivered rows:", Delivery.objects.filter(status="delivered", event__topic="check.workers").count())
server.shutdown()
