# A newcomer needs two commands: `make run` and `make test`. Everything else is here too.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST   ?= 127.0.0.1
PORT   ?= 8000
# the suite runs on every core (pytest-xdist); a module's tests stay on one worker, so its
# module-scoped servers and browsers start once. PYTEST_XDIST= runs it in one process.
PYTEST_XDIST ?= -n auto --dist loadfile

.PHONY: messages compile-messages run test test-pg lint typecheck migrate migration schema bench worker check clean help system-packages bench-packages

# Debian packages the suite needs: chromium drives the browser tests, poppler-utils (pdftoppm,
# pdftotext) turns PDFs into pictures and text, libharfbuzz-subset0 lets WeasyPrint subset fonts.
# `make test` installs the missing ones with apt-get when it can (root); otherwise it prints the
# command and the suite skips only the tests that need a missing program (tests/conftest.py).
SYSTEM_PACKAGES ?= chromium poppler-utils libharfbuzz-subset0
BENCH_PACKAGES  ?= wrk
# the renewal run's sizes in `make bench` (space-separated; 100000 takes long, docs/benchmarks.md);
# django-silver's billing run is timed at the same sizes when its peer can be set up
RENEWAL_SIZES   ?= 10000

help:
	@echo "make run       - install, migrate the SQLite database under var/, load the demo catalog and a year of a demo business, serve on http://$(HOST):$(PORT)"
	@echo "make test      - the whole suite on SQLite (DATABASE_URL=postgresql://... to use PostgreSQL)"
	@echo "make test-pg   - the whole suite on PostgreSQL at \$$DATABASE_URL (default $(PG_URL))"
	@echo "make messages  - extract the marked strings into locales/messages.pot and update every language's .po (then translate; make compiles)"
	@echo "make lint      - ruff + the import contract (the domain core imports no framework)"
	@echo "make migrate   - apply migrations to \$$DATABASE_URL (default sqlite:///var/app.db)"
	@echo "make migration - generate a new auto migration after changing domain/adapters/db/tables.py"
	@echo "make schema    - rewrite domain/adapters/db/schema.sql from the migrations (PostgreSQL)"
	@echo "make bench     - benchmarks under bench/ (job-runner throughput on SQLite and PostgreSQL, pricing, invoice PDFs, the renewal run beside django-silver's billing run, HTTP pages with wrk, customer search, the cohort table, the CRM import of 50,000 rows)"
	@echo "make worker    - run the job runner alone, without HTTP"
	@echo "make system-packages - apt-get install what the suite needs ($(SYSTEM_PACKAGES)) when missing"

# Installs the packages named in PACKAGES that dpkg does not have, when apt-get is usable (root).
# Never fails the build: without apt-get it prints the one command to run instead.
define apt_install
	@missing=""; \
	for pkg in $(1); do \
	  dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing system packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  if apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; then \
	    echo "installed:$$missing"; exit 0; \
	  fi; \
	  echo "apt-get could not install:$$missing"; \
	fi; \
	echo "missing system packages:$$missing"; \
	echo "  install them with: sudo apt-get install -y --no-install-recommends$$missing"; \
	echo "  until then the tests that need them are skipped, each saying which program it lacks"
endef

system-packages:
	$(call apt_install,$(SYSTEM_PACKAGES))

bench-packages:
	$(call apt_install,$(BENCH_PACKAGES))

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Translations (docs/localisation.md): `make messages` extracts every marked string into
# locales/messages.pot and merges it into each language's .po; the compiled .mo files are built
# here (not committed) before anything runs.
LANGUAGES_DIR := locales
PO_FILES := $(wildcard $(LANGUAGES_DIR)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

$(LANGUAGES_DIR)/%/LC_MESSAGES/messages.mo: $(LANGUAGES_DIR)/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -l $* -i $< -o $@

compile-messages: $(MO_FILES)

messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output --width 100 -k tr:2 -k gettext_for:2 -k N_ -k said \
	  -o $(LANGUAGES_DIR)/messages.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching --width 100 -i $(LANGUAGES_DIR)/messages.pot -d $(LANGUAGES_DIR)

run: $(STAMP) compile-messages
	$(PY) -m web.cli serve --host $(HOST) --port $(PORT) --migrate --demo --demo-history

worker: $(STAMP) compile-messages
	$(PY) -m web.cli worker

migrate: $(STAMP)
	$(PY) -m web.cli migrate

migration: $(STAMP)
	PICCOLO_CONF=domain.adapters.db.piccolo_conf $(VENV)/bin/piccolo migrations new subscriptions --auto
	@echo "Now read the new file in domain/adapters/db/migrations/, rename it YYYYMMDD_HHMM_<slug>.py,"
	@echo "run 'make schema' and commit both (schema.sql shows the change as PostgreSQL sees it)."

# the schema as PostgreSQL dumps it after all migrations (needs the PostgreSQL server at PG_SERVER)
schema: $(STAMP)
	.ci/schema-dump > domain/adapters/db/schema.sql

check: $(STAMP) compile-messages
	$(PY) -m web.cli check

test: $(STAMP) system-packages compile-messages
	$(PY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

test-pg: $(STAMP) system-packages compile-messages
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check domain web tests bench
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy domain/shared domain/catalog domain/jobs domain/pricing domain/billing domain/simulate domain/subscriptions domain/documents domain/notifications domain/notices domain/customers domain/payments domain/testclocks domain/accounts domain/checkout domain/support domain/staff domain/audit domain/analytics domain/catalog_admin domain/promotions domain/operations domain/taxes domain/analytics_reports domain/outbound domain/webhooks_out domain/apikeys domain/integrations domain/unit_of_work.py

bench: $(STAMP) bench-packages
	$(PY) -m bench.job_throughput --pg-url $${BENCH_PG_URL:-$(PG_URL)}
	$(PY) -m bench.pricing
	$(PY) -m bench.invoice_pdf
	$(PY) -m bench.renewal_run --sizes $(RENEWAL_SIZES) --pg-url $${BENCH_PG_URL:-$(PG_URL)} --silver auto --count-statements
	$(PY) -m bench.http_pages --pg-url $${BENCH_PG_URL:-$(PG_URL)}
	$(PY) -m bench.portal_pages --pg-url $${BENCH_PG_URL:-$(PG_URL)} --reuse
	$(PY) -m bench.customer_search --pg-url $${BENCH_PG_URL:-$(PG_URL)}
	$(PY) -m bench.analytics --pg-url $${BENCH_PG_URL:-$(PG_URL)} --subscriptions 20000
	$(PY) -m bench.analytics_cohorts --pg-url $${BENCH_PG_URL:-$(PG_URL)}
	$(PY) -m bench.crm_import --pg-url $${BENCH_PG_URL:-$(PG_URL)} --subscriptions 500
	$(PY) -m bench.usage_ingest --pg-url $${BENCH_PG_URL:-$(PG_URL)} --http

clean:
	rm -rf var/*.db var/*.db-wal var/*.db-shm test-output
