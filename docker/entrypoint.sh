#!/usr/bin/env bash
# The container's entrypoint, and how docker/run-all.sh (make run) starts each process.
#
#   entrypoint.sh web      gunicorn with docker/gunicorn.conf.py (GUNICORN_BIND, WEB_CONCURRENCY, ...)
#   entrypoint.sh worker   a Celery worker on both queues: "celery" and $CELERY_TRAINING_QUEUE
#                          (CELERY_CONCURRENCY processes, default 2)
#   entrypoint.sh beat     Celery beat with django-celery-beat's DatabaseScheduler
#   entrypoint.sh migrate  manage.py migrate --no-input (a one-shot job)
#   entrypoint.sh setup    manage.py setup_periodic_tasks (a one-shot job, after migrate)
#   entrypoint.sh manage.py shell | celery ... | bash ...   anything else runs as given
#
# Extra arguments after a subcommand go to its program (e.g. `worker --hostname=w1@%h`). Each
# program is exec'd, so it is the process that gets the container's signals: SIGTERM stops gunicorn
# gracefully and gives Celery a warm shutdown. gunicorn, celery and python come from PATH (the image
# puts its venv first; run-all.sh puts the project's .venv first).
#
# Before web, worker, beat, migrate and setup it waits up to DB_WAIT_SECONDS (default 60; 0: no
# wait) for PostgreSQL to accept a connection. It refuses to start with the placeholder
# DJANGO_SECRET_KEY of docker/env.example: model artifacts are signed with that key.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-recengine.settings}

usage() {
  echo "usage: $0 web|worker|beat|migrate|setup [ARGS...] | manage.py ARGS... | COMMAND [ARGS...]" >&2
  exit 2
}

refuse_placeholder_secret() {
  case ${DJANGO_SECRET_KEY:-} in
    replace-me*)
      echo "DJANGO_SECRET_KEY is still the placeholder from docker/env.example; set a long random one, e.g." \
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'" >&2
      exit 1
      ;;
  esac
}

wait_for_database() {
  local seconds=${DB_WAIT_SECONDS:-60}
  if [ "$seconds" = 0 ]; then
    return 0
  fi
  # One process that retries, not a Django start-up per try. No pool: this is a single connection.
  DB_POOL_ENABLED=false PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-5} python - "$seconds" <<'PY'
import sys
import time

import django

django.setup()
from django.db import connection

limit = float(sys.argv[1])
deadline = time.monotonic() + limit
while True:
    try:
        connection.ensure_connection()
        break
    except Exception as exc:
        if time.monotonic() >= deadline:
            sys.exit(f"PostgreSQL did not accept a connection within {limit:g}s: {exc}")
        print(f"waiting for PostgreSQL: {exc}".strip(), file=sys.stderr)
        time.sleep(1)
connection.close()
PY
}

# Celery processes keep one persistent connection each instead of a pool per forked child.
celery_database_settings() {
  export DB_POOL_ENABLED=false
  export CONN_MAX_AGE=${CONN_MAX_AGE:-60}
}

if [ $# -eq 0 ]; then
  usage
fi
command=$1
shift

case $command in
  web)
    refuse_placeholder_secret
    wait_for_database
    exec gunicorn recengine.wsgi:application --config docker/gunicorn.conf.py "$@"
    ;;
  worker)
    refuse_placeholder_secret
    celery_database_settings
    wait_for_database
    exec celery -A recengine worker --loglevel="${CELERY_LOG_LEVEL:-INFO}" \
      --concurrency="${CELERY_CONCURRENCY:-2}" --queues="celery,${CELERY_TRAINING_QUEUE:-training}" "$@"
    ;;
  beat)
    refuse_placeholder_secret
    celery_database_settings
    wait_for_database
    exec celery -A recengine beat --loglevel="${CELERY_LOG_LEVEL:-INFO}" \
      --scheduler=django_celery_beat.schedulers:DatabaseScheduler "$@"
    ;;
  migrate)
    refuse_placeholder_secret
    wait_for_database
    exec python manage.py migrate --no-input "$@"
    ;;
  setup)
    refuse_placeholder_secret
    wait_for_database
    exec python manage.py setup_periodic_tasks "$@"
    ;;
  manage.py)
    exec python manage.py "$@"
    ;;
  -h | --help | help)
    usage
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
