import os
import sys
import warnings

from celery import Celery, signals
from celery.exceptions import SecurityWarning

from recengine.observability.dirs import worker_dir_prepare

# A worker with CELERY_METRICS_PORT: its metrics folder is settled before anything imports
# prometheus_client (recengine/observability/dirs.py).
worker_dir_prepare()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recengine.settings")

app = Celery("recengine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids into task headers and task log lines, task metrics, the worker's metrics port.
import recengine.observability.celery_signals  # noqa: E402,F401

ROOT_NOTE = ("note: this Celery worker runs as root: fine on your own machine, as it accepts JSON messages "
             "only (never pickle); in production run it as another user, as the container image does.")


@signals.celeryd_init.connect
def root_warning_to_note(conf, **kwargs):
    """As root (make run and CI run as root), Celery warns with a block of text at every worker start.
    With JSON-only messages one line says it instead. Celery checks right after this signal; any other
    security warning stays, and with pickle accepted Celery still refuses to start as root."""
    if os.geteuid() != 0 or set(conf.accept_content) - {"json", "application/json"}:
        return
    warnings.filterwarnings("ignore", message="You're running the worker with superuser privileges",
                            category=SecurityWarning)
    print(ROOT_NOTE, file=sys.stderr)
