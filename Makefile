# recengine: `make run` serves the whole thing with demo data; `make test` runs the suite.
# Both create .venv and install what they need. With no DATABASE_URL / REDIS_URL they use an
# embedded PostgreSQL and Redis (data under var/).

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

.PHONY: install chromium wrk run test services stop-services bench clean

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
	@if [ -x "$(CHROMIUM_PATH)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests..."; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
		|| echo "note: could not install chromium: the browser tests will be skipped (and fail under CI)"; \
	else \
		echo "note: no $(CHROMIUM_PATH) and not root: the browser tests will be skipped (apt-get install chromium)"; \
	fi

.env:
	$(PY) -c "import secrets; print('DJANGO_SECRET_KEY=' + secrets.token_urlsafe(50))" > .env
	@echo "wrote .env with a new DJANGO_SECRET_KEY"

services: install
	$(PY) -m recengine.embedded start

stop-services: install
	$(PY) -m recengine.embedded stop

run: install .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py setup_periodic_tasks
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py bootstrap_demo --base-url http://127.0.0.1:$(PORT)
	PORT=$(PORT) WEB_CONCURRENCY=$(WEB_CONCURRENCY) PY=$(PY) docker/run-all.sh

test: install chromium
	CHROMIUM_PATH=$(CHROMIUM_PATH) $(PY) -m pytest $(PYTEST_ARGS)

# Debian's wrk for `make bench`, installed when missing and we are root; otherwise the benchmark
# stops with a message saying how to install it.
wrk:
	@if command -v "$(WRK)" >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's wrk for the benchmark..."; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; } \
		|| echo "note: could not install wrk; the benchmark needs it (apt-get install wrk)"; \
	else \
		echo "note: no wrk and not root: install it (apt-get install wrk) before the benchmark"; \
	fi

# HTTP benchmark (bench/http_bench.py): its own database (recengine_bench) and Redis db 5, gunicorn
# as in production, wrk on 127.0.0.1; results in docs/benchmarks.md and docs/benchmarks.svg.
bench: install wrk
	WRK=$(WRK) $(PY) bench/http_bench.py $(BENCH_ARGS) --write-docs

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
