import os

from celery import Celery

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
