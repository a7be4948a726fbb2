#!/usr/bin/env bash
# Migrates, loads the Jinshan demo into an empty database, starts the background worker and
# serves the platform with gunicorn. PORT and DATABASE_URL override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
mkdir -p var
$PY manage.py migrate --noinput
$PY manage.py load_demo --if-empty
$PY manage.py run_huey --workers 1 --flush-locks >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
$PY manage.py demo_accounts
echo "Serving Fangguan at http://127.0.0.1:${PORT}  (worker log: var/worker.log; Ctrl-C stops both)"
.venv/bin/gunicorn fangguan.wsgi:application --pythonpath src --bind "127.0.0.1:${PORT}" \
  --workers "${WEB_CONCURRENCY:-3}" --timeout 60 --access-logfile - --logger-class fangguan.core.logging.GunicornLogger \
  --access-logformat '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
