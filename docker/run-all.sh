#!/usr/bin/env bash
# Runs web (gunicorn), a Celery worker and Celery beat in the foreground; Ctrl-C stops all three.
# Each is started by docker/entrypoint.sh exactly as the container image starts it. The one worker
# serves both queues (default "celery" and the training queue); on more machines, run
# `celery -A recengine worker -Q training` on the big-memory one. Beat reads its schedule from the
# database: `manage.py setup_periodic_tasks` (make run calls it) writes it.
set -euo pipefail
PY=$(command -v "${PY:-python}")
BIN=$(cd "$(dirname "$PY")" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# The entrypoint takes python, gunicorn and celery from PATH: the venv's.
export PATH="$BIN:$PATH"
# make run has just migrated, so the database is up: no need to wait for it.
export DB_WAIT_SECONDS=${DB_WAIT_SECONDS:-0}

"$HERE/entrypoint.sh" worker &
worker=$!
"$HERE/entrypoint.sh" beat &
beat=$!
trap 'kill $worker $beat 2>/dev/null || true; wait' EXIT INT TERM

"$HERE/entrypoint.sh" web
