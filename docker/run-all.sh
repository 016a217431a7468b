#!/usr/bin/env bash
# Runs web (gunicorn), a Celery worker and Celery beat in the foreground; Ctrl-C stops all three.
set -euo pipefail
PY=${PY:-python}
BIN=$(dirname "$PY")
PORT=${PORT:-8000}

"$BIN/celery" -A recengine worker --loglevel=INFO --concurrency="${CELERY_CONCURRENCY:-2}" &
worker=$!
"$BIN/celery" -A recengine beat --loglevel=INFO &
beat=$!
trap 'kill $worker $beat 2>/dev/null; wait' EXIT INT TERM

exec_web() {
  "$BIN/gunicorn" recengine.wsgi:application \
    --bind "127.0.0.1:${PORT}" \
    --workers "${WEB_CONCURRENCY:-4}" \
    --timeout "${GUNICORN_TIMEOUT:-30}" \
    --access-logfile - 
}
exec_web
