# A newcomer needs two commands: `make run` and `make test`. Everything else is here too.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-pg lint typecheck migrate migration bench worker check clean help

help:
	@echo "make run       - install, migrate the SQLite database under var/, load the demo catalog, serve on http://$(HOST):$(PORT)"
	@echo "make test      - the whole suite on SQLite (DATABASE_URL=postgresql://... to use PostgreSQL)"
	@echo "make test-pg   - the whole suite on PostgreSQL at \$$DATABASE_URL (default $(PG_URL))"
	@echo "make lint      - ruff + the import contract (the domain core imports no framework)"
	@echo "make migrate   - apply migrations to \$$DATABASE_URL (default sqlite:///var/app.db)"
	@echo "make migration - generate a new auto migration after changing domain/adapters/db/tables.py"
	@echo "make bench     - benchmarks under bench/ (job-runner throughput on SQLite and PostgreSQL, pricing, invoice PDFs, the renewal run, HTTP pages with wrk)"
	@echo "make worker    - run the job runner alone, without HTTP"

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m web.cli serve --host $(HOST) --port $(PORT) --migrate --demo

worker: $(STAMP)
	$(PY) -m web.cli worker

migrate: $(STAMP)
	$(PY) -m web.cli migrate

migration: $(STAMP)
	PICCOLO_CONF=domain.adapters.db.piccolo_conf $(VENV)/bin/piccolo migrations new subscriptions --auto
	@echo "Now read the new file in domain/adapters/db/migrations/, rename it YYYYMMDD_HHMM_<slug>.py and commit it."

check: $(STAMP)
	$(PY) -m web.cli check

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-pg: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check domain web tests bench
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy domain/shared domain/catalog domain/jobs domain/pricing domain/billing domain/simulate domain/subscriptions domain/documents domain/notifications domain/payments domain/testclocks domain/accounts domain/checkout domain/unit_of_work.py

bench: $(STAMP)
	$(PY) -m bench.job_throughput --pg-url $${BENCH_PG_URL:-$(PG_URL)}
	$(PY) -m bench.pricing
	$(PY) -m bench.invoice_pdf
	$(PY) -m bench.renewal_run --sizes 10000 --pg-url $${BENCH_PG_URL:-$(PG_URL)}
	$(PY) -m bench.http_pages --pg-url $${BENCH_PG_URL:-$(PG_URL)}
	$(PY) -m bench.portal_pages --pg-url $${BENCH_PG_URL:-$(PG_URL)} --reuse

clean:
	rm -rf var/*.db var/*.db-wal var/*.db-shm test-output
