# Two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
export RULEDESK_DATA_DIR ?= $(CURDIR)/.local
export XDG_RUNTIME_DIR ?= $(CURDIR)/.local/run

.PHONY: run test setup migrate static gettext compilemessages messages i18n-check lint types schema schema-check compose-check pytest clean chromium clamd

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)
	@mkdir -p $(RULEDESK_DATA_DIR)/static && mkdir -p -m 0700 $(XDG_RUNTIME_DIR)

migrate: setup
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py schedules_install

run: migrate compilemessages
	$(PY) manage.py seed_demo
	$(MAKE) static
	$(PY) -m ruledesk.runner

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: setup
	$(BIN)/mypy .

schema: setup
	$(PY) manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

schema-check: setup
	$(PY) manage.py spectacular --validate --fail-on-warn --file $(RULEDESK_DATA_DIR)/openapi.generated.yaml
	@diff -u docs/openapi.yaml $(RULEDESK_DATA_DIR)/openapi.generated.yaml \
		|| (echo "docs/openapi.yaml is stale: run 'make schema' and commit it" && exit 1)

# docker-compose.yml has no default credentials, so validation supplies placeholders.
COMPOSE_CHECK_ENV := POSTGRES_PASSWORD=x MINIO_ROOT_USER=x MINIO_ROOT_PASSWORD=x SECRET_KEY=x \
	ALLOWED_HOSTS=x CSRF_TRUSTED_ORIGINS=https://x AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
	EMAIL_HOST=x DEFAULT_FROM_EMAIL=x RULEDESK_METRICS_TOKEN=x

compose-check:
	@if docker compose version >/dev/null 2>&1; then compose="docker compose"; \
	elif command -v docker-compose >/dev/null 2>&1; then compose="docker-compose"; \
	else echo "docker compose not present: compose validation skipped"; exit 0; fi; \
	env $(COMPOSE_CHECK_ENV) $$compose -f docker-compose.yml config --quiet \
		&& echo "docker-compose.yml: valid"

# Pages link hashed static names, read from the manifest `collectstatic` writes.
static: setup
	$(PY) manage.py collectstatic --noinput -v 0

# Translations: GNU gettext compiles the committed catalogues (installed with apt if missing).
gettext:
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)

compilemessages: setup gettext
	$(PY) manage.py compilemessages -v 0 --ignore=.venv --ignore=.local

# Re-extract strings into locale/pl after changing visible text; then translate what is new.
messages: setup gettext
	$(PY) manage.py makemessages -l pl --no-location --ignore='tests/*' --ignore='bench/*' \
		--ignore='tools/*' --ignore='docs/*' -v 0

i18n-check: setup gettext
	$(PY) tools/i18n_check.py

# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else echo "$(CHROMIUM) is missing: as root, run apt-get update && apt-get install -y chromium"; exit 1; fi

# The attachment tests start Debian's clamd with their own one-line signature database
# (no freshclam, no network); libmagic comes with the base image here.
CLAMD := /usr/sbin/clamd
clamd:
	@if [ -x $(CLAMD) ]; then exit 0; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clamav-daemon libmagic1; \
	else echo "$(CLAMD) is missing: as root, run apt-get update && apt-get install -y clamav-daemon"; exit 1; fi

pytest: setup static compilemessages chromium clamd
	$(PY) manage.py makemigrations --check --dry-run -v 1
	$(BIN)/pytest -n 2 --dist loadgroup -q

test: lint types schema-check compose-check i18n-check pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache

# Not part of `make test`: builds (or reuses) a 1M-ticket data set in .local/bench and
# prints latency figures; see docs/performance.md. Pass options with BENCH_ARGS="--fresh".
.PHONY: bench
bench: setup
	$(PY) bench/tickets.py $(BENCH_ARGS)

# Issue 4 benchmarks (own data sets in .local/bench-rules and .local/bench-sla; they start
# a real `manage.py worker`). Options: BENCH_ARGS="--fresh" etc.
.PHONY: bench-rules bench-sla
bench-rules: setup
	$(PY) bench/rules.py $(BENCH_ARGS)

bench-sla: setup
	$(PY) bench/sla.py $(BENCH_ARGS)

# Web UI benchmark: portal pages and htmx fragments on bench/tickets.py's data set (the same
# .local/bench, built once for both). Options: BENCH_ARGS="--concurrency 1,8" etc.
.PHONY: bench-portal
bench-portal: setup
	$(PY) bench/portal.py $(BENCH_ARGS)

# Not part of `make test`: PNGs of the main pages, both languages and themes, in
# docs/screenshots/ from the demo data (entries in tests/browser/screenshots.py).
.PHONY: screenshots
screenshots: migrate static compilemessages chromium
	$(PY) manage.py seed_demo
	$(PY) -m tests.browser.screenshots $(SCREENSHOTS_ARGS)
