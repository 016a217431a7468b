#!/usr/bin/env bash
# Runs web (gunicorn), a Celery worker and Celery beat in the foreground; Ctrl-C (or SIGTERM) stops
# all three. It says first what runs where (the database and Redis too), and last what it stopped.
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

bind=${GUNICORN_BIND:-127.0.0.1:${PORT:-8000}}
echo
echo "What runs where (Ctrl-C stops web, worker and beat):"
echo "  web:        gunicorn on http://$bind${WEB_CONCURRENCY:+, $WEB_CONCURRENCY processes}"
echo "  worker:     Celery worker, queues celery and ${CELERY_TRAINING_QUEUE:-training}, ${CELERY_CONCURRENCY:-2} processes"
echo "  beat:       Celery beat, its schedule from the database"
(cd "$HERE/.." && "$PY" -m recengine.embedded status) | sed 's/^/  /'
echo

"$HERE/entrypoint.sh" worker &
worker=$!
"$HERE/entrypoint.sh" beat &
beat=$!
"$HERE/entrypoint.sh" web &
web=$!

stop_all() {  # [SIGNAL]: send it to the three first
  trap - EXIT INT TERM
  if [ $# -gt 0 ]; then
    kill -s "$1" "$web" "$worker" "$beat" 2>/dev/null || true
  fi
  wait
  echo "Stopped web, worker and beat."
}
# Ctrl-C reaches all three from the terminal (a second one would make Celery cut its running tasks
# short): wait for them. SIGTERM reaches only this script: pass it on. Either is the normal way to
# stop, so exit 0. Should web end by itself, the other two are stopped and its status is ours.
trap 'stop_all; exit 0' INT
trap 'stop_all TERM; exit 0' TERM
trap 'stop_all TERM' EXIT
wait "$web"
