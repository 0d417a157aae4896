# Shuangfang — two commands: `make run` serves the platform, `make test` runs the whole suite.
# Everything is installed into this folder (.venv, node_modules, var/); nothing is installed system-wide.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_WORKERS ?= 3
# Seconds a request may run: a 100,000-row ledger import takes tens of seconds and must not be cut off.
WEB_TIMEOUT ?= 180
export DJANGO_SETTINGS_MODULE := shuangfang.settings

.PHONY: install install-dev assets db run serve worker test fuzz lint check bench clean help

help:
	@echo "make run      set everything up and serve http://$(HOST):$(PORT) (web + background worker)"
	@echo "make test     set everything up and run the whole test suite"
	@echo "make bench    generate a province-sized database and measure it into docs/performance.md"
	@echo "make fuzz     fuzz the API against its OpenAPI schema (Schemathesis, a few minutes)"
	@echo "make install  set up only (virtual environment, dependencies, front-end assets)"
	@echo "make lint     ruff, migrations check, deploy check"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Front-end assets come from the npm registry at set-up (exact versions in package-lock.json) and are
# served by the platform itself: no CDN at run time, nothing third-party committed.  htmx ships
# inside the django-htmx package.
static/vendor/echarts.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts.min.js

assets: static/vendor/echarts.min.js

install: $(VENV)/.runtime-installed assets

install-dev: $(VENV)/.dev-installed assets

# Migrate (which also loads the reference data), gather static files, and load the demo province
# once, on an empty database.
db: install
	$(BIN)/shuangfang migrate --noinput
	$(BIN)/shuangfang collectstatic --noinput --verbosity 0
	$(BIN)/shuangfang demo --scale small --if-empty

serve:
	@echo "Serving http://$(HOST):$(PORT)  (Ctrl-C stops the web server and the worker)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/shuangfang run_huey --workers 2 --worker-type thread & \
	$(BIN)/gunicorn shuangfang.wsgi:application --bind $(HOST):$(PORT) --workers $(WEB_WORKERS) \
		--timeout $(WEB_TIMEOUT) --access-logfile - --forwarded-allow-ips 127.0.0.1

run: db serve

worker: install
	$(BIN)/shuangfang run_huey --workers 2 --worker-type thread

test: install-dev
	$(BIN)/python -m pytest shuangfang

# Fuzz the API against its OpenAPI schema (Schemathesis) on a throwaway database with the small demo.
fuzz: install-dev
	.ci/fuzz

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/shuangfang makemigrations --check --dry-run

# The benchmarks (docs/performance.md) on a generated province: PostgreSQL when DATABASE_URL names one, else an
# SQLite file of its own under var/.  The province is generated once (`demo --if-empty`, ≈ 1 M equipment);
# BENCH_SCALE=10 gives a smaller one, BENCH_ONLY=1,2 runs some benchmarks.
BENCH_SCALE ?= province
BENCH_DATABASE_URL := $(or $(DATABASE_URL),sqlite:///$(CURDIR)/var/bench.sqlite3)
bench: install-dev
	mkdir -p var
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/shuangfang migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/shuangfang demo --scale $(BENCH_SCALE) --if-empty
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/shuangfang bench $(if $(BENCH_ONLY),--only $(BENCH_ONLY))

clean:
	rm -rf $(VENV) node_modules static/vendor var/static
