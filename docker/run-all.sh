#!/usr/bin/env bash
# Runs web (gunicorn), a Celery worker and Celery beat in the foreground; Ctrl-C stops all three.
# The one worker serves both queues (default "celery" and the training queue); on more machines,
# run `celery -A recengine worker -Q training` on the big-memory one. Beat reads its schedule from
# the database: `manage.py setup_periodic_tasks` (make run calls it) writes it.
set -euo pipefail
PY=${PY:-python}
BIN=$(dirname "$PY")
HERE=$(cd "$(dirname "$0")" && pwd)

# Celery processes use persistent connections rather than a pool per forked child.
DB_POOL_ENABLED=false CONN_MAX_AGE=60 \
  "$BIN/celery" -A recengine worker --loglevel=INFO --concurrency="${CELERY_CONCURRENCY:-2}" \
  --queues="celery,${CELERY_TRAINING_QUEUE:-training}" &
worker=$!
DB_POOL_ENABLED=false CONN_MAX_AGE=60 \
  "$BIN/celery" -A recengine beat --loglevel=INFO &
beat=$!
trap 'kill $worker $beat 2>/dev/null || true; wait' EXIT INT TERM

"$BIN/gunicorn" recengine.wsgi:application --config "$HERE/gunicorn.conf.py"
