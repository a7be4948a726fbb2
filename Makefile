# Fangguan — two commands: `make run` (set up and serve the demo) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
UV := .tools/bin/uv
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/fangguan

.PHONY: run install test test-sqlite test-pg lint messages static browser demo clean fuzz bench bench-all drills

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5,<1"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: .venv/.synced messages

messages: .venv/.synced
	$(PY) scripts/compilemessages.py

static: install
	$(PY) manage.py collectstatic --noinput --verbosity 0

## Set up (dependencies, database, demo) and serve at http://127.0.0.1:$(PORT)
run: static
	PORT=$(PORT) scripts/run.sh

## The whole suite on SQLite (browser tests included)
test: install browser
	$(PY) -m pytest

## The same suite on PostgreSQL (127.0.0.1:5432)
test-pg: install browser
	scripts/require-postgres.sh "$(PG_TEST_URL)"
	DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest

## Only the operations drills (backup/restore, killed workers, database outage, replica, two servers);
## on PostgreSQL with DATABASE_URL=postgres://… (throwaway databases and clusters, dropped after)
drills: install
	$(PY) -m pytest -m drill -q

## A long fuzzing run of the whole API (schemathesis, several roles) and the hostile values for every role
fuzz: install
	FANGGUAN_FUZZ_EXAMPLES=$${FANGGUAN_FUZZ_EXAMPLES:-100} FANGGUAN_FUZZ_HOSTILE=1 FANGGUAN_FUZZ_ROLES=$${FANGGUAN_FUZZ_ROLES:-all} \
	  $(PY) -m pytest tests/api/test_fuzz.py -q

browser:
	scripts/ensure-chromium.sh

## The registry API at city scale on PostgreSQL (synthetic data, gunicorn, wrk): ESTATES, DURATION, CLIENTS
ESTATES ?= 250
DURATION ?= 10
CLIENTS ?= 1 8
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fangguan_bench
bench: install
	scripts/require-postgres.sh "$(BENCH_DATABASE_URL)"
	@command -v wrk >/dev/null || { apt-get install -y wrk || sudo apt-get install -y wrk; }
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(PY) bench/registry_api.py --estates $(ESTATES) \
		--duration $(DURATION) --clients $(CLIENTS)

## Every bench at one scale (SCALE=small: minutes; SCALE=city: Shanghai's sizes, hours and ~35 GB),
## one table written to docs/performance.md's summary. Never part of make test or CI.
SCALE ?= small
BENCH_REPAIRS_URL ?= postgres://postgres@127.0.0.1:5432/fg_repairs_bench
bench-all: install
	scripts/require-postgres.sh "$(BENCH_DATABASE_URL)"
	@command -v wrk >/dev/null || { apt-get install -y wrk || sudo apt-get install -y wrk; }
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(PY) bench/all.py --scale $(SCALE) --repairs-url "$(BENCH_REPAIRS_URL)"

lint: install
	.venv/bin/ruff check .
	PYTHONPATH=src .venv/bin/lint-imports
	FANGGUAN_ENV=test $(PY) manage.py makemigrations --check --dry-run

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

clean:
	rm -rf .venv .tools var test-artifacts
