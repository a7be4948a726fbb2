#!/usr/bin/env bash
# Fails clearly when PostgreSQL is not reachable at the URL given (CI runs the suite there too).
set -euo pipefail
url="$1"
if ! .venv/bin/python - "$url" <<'PY'
import sys
import psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(url, connect_timeout=5).close()
except Exception as exc:
    print(f"PostgreSQL is not reachable at {url}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "The PostgreSQL test run needs a server at 127.0.0.1:5432 (user postgres, trust auth)." >&2
  echo "Start it (e.g. pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start) or set PG_TEST_URL." >&2
  exit 1
fi
