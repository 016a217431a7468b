"""Celery's side of observability, connected when recengine/celery.py is imported.

- ``before_task_publish`` (the publishing process, e.g. a web request): the current request id goes
  into the message headers.
- ``task_prerun`` / ``task_postrun`` (the process running the task): the request id from the
  headers, and the task's id and name, are set for the body's log lines and cleared after it; the
  body's run time goes to ``recengine_celery_task_duration_seconds``; ``task_failure`` counts
  ``recengine_celery_task_failures_total``.
- ``worker_init`` (a worker's main process): with CELERY_METRICS_PORT, serve the metrics of the
  worker and its pool children on that port (recengine/observability/metrics.py).
- ``after_setup_logger`` / ``after_setup_task_logger``: Celery sets up the worker's logging itself;
  its handlers get the request-context filter, and with LOG_FORMAT=json the JSON formatter.

prometheus_client is imported only inside the handlers (see recengine/observability/dirs.py).
"""
from __future__ import annotations

import logging
import os
import time

from celery import signals

from recengine.observability.context import TASK_HEADER, request_id_var, task_var
from recengine.observability.logs import JsonFormatter, RequestContextFilter

logger = logging.getLogger(__name__)

# task id -> (start, context tokens), for the process running the task.
_running: dict[str, tuple[float, object, object]] = {}


@signals.before_task_publish.connect(weak=False, dispatch_uid="recengine.request_id_publish")
def _request_id_publish(headers=None, **kwargs) -> None:
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


@signals.task_prerun.connect(weak=False, dispatch_uid="recengine.task_enter")
def _task_enter(task_id=None, task=None, **kwargs) -> None:
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    # A task run eagerly inside a request keeps that request's id.
    request_token = request_id_var.set(request_id) if request_id else None
    task_token = task_var.set((task_id, task.name if task is not None else ""))
    _running[task_id] = (time.perf_counter(), request_token, task_token)


@signals.task_postrun.connect(weak=False, dispatch_uid="recengine.task_exit")
def _task_exit(task_id=None, task=None, state=None, **kwargs) -> None:
    entry = _running.pop(task_id, None)
    if entry is None:
        return
    started, request_token, task_token = entry
    try:
        from recengine.observability.metrics import task_observe  # late: see dirs.py

        task_observe(task.name if task is not None else "", state, time.perf_counter() - started)
    finally:
        _reset(task_var, task_token)
        if request_token is not None:
            _reset(request_id_var, request_token)


def _reset(var, token) -> None:
    try:
        var.reset(token)
    except ValueError:  # set in another context (a pool thread): clear instead
        var.set(None)


@signals.task_failure.connect(weak=False, dispatch_uid="recengine.task_failure")
def _task_failure(sender=None, **kwargs) -> None:
    from recengine.observability.metrics import task_failed  # late: see dirs.py

    task_failed(getattr(sender, "name", None) or "unknown")


@signals.worker_init.connect(weak=False, dispatch_uid="recengine.worker_metrics")
def _worker_metrics(sender=None, **kwargs) -> None:
    from django.conf import settings

    port = settings.CELERY_METRICS_PORT
    if not port:
        return
    from recengine.observability.metrics import (  # late: see dirs.py
        multiprocess,
        tasks_known,
        worker_metrics_serve,
    )

    app = getattr(sender, "app", None)
    if app is not None:
        tasks_known(sorted(name for name in app.tasks if not name.startswith("celery.")))
    try:
        worker_metrics_serve(settings.CELERY_METRICS_ADDR, port, settings.METRICS_TOKEN)
    except OSError as exc:  # the worker's job matters more than its metrics
        logger.error("celery worker metrics: cannot listen on %s:%s: %s", settings.CELERY_METRICS_ADDR, port, exc)
        return
    if not multiprocess() and getattr(sender, "pool_cls", None) is not None and "prefork" in str(sender.pool_cls):
        logger.warning("celery worker metrics: PROMETHEUS_MULTIPROC_DIR is not set, so the prefork pool's "
                       "task metrics are not seen; start the worker with CELERY_METRICS_PORT in its environment")
    logger.info("celery worker metrics on http://%s:%s/metrics", settings.CELERY_METRICS_ADDR, port)


@signals.worker_process_shutdown.connect(weak=False, dispatch_uid="recengine.worker_child_exit")
def _worker_child_exit(pid=None, **kwargs) -> None:
    from recengine.observability.metrics import process_dead  # late: see dirs.py

    process_dead(pid or os.getpid())


@signals.after_setup_logger.connect(weak=False, dispatch_uid="recengine.worker_logging")
@signals.after_setup_task_logger.connect(weak=False, dispatch_uid="recengine.worker_task_logging")
def _worker_logging(logger=None, **kwargs) -> None:
    from django.conf import settings

    json_lines = settings.LOG_FORMAT == "json"
    for handler in getattr(logger, "handlers", ()):
        if not any(isinstance(f, RequestContextFilter) for f in handler.filters):
            handler.addFilter(RequestContextFilter())
        if json_lines:
            handler.setFormatter(JsonFormatter())
