"""The Prometheus metrics (docs/observability.md lists each with its labels and example queries).

Counted in the process that does the work; scraped at ``/metrics`` (recengine/observability/views.py)
and at a Celery worker's CELERY_METRICS_PORT (``worker_metrics_serve``). Under gunicorn and in a
prefork Celery worker the processes share a PROMETHEUS_MULTIPROC_DIR (recengine/observability/dirs.py)
and a scrape adds up every process's files; elsewhere (runserver, tests, management commands) the
metrics live in this process only.

The helpers below are on the request path: each caches the labelled child it increments, so a
served list costs a dictionary lookup and an increment per metric.
"""
from __future__ import annotations

import hmac
import os
import re
import threading
from collections.abc import Iterable

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import (
    ThreadingWSGIServer,
    choose_encoder,
    make_wsgi_app,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from recengine.observability.dirs import ENV as MULTIPROC_ENV

# The *_created series are noise for these metrics (and cost a sample per series per scrape).
disable_created_metrics()

# From the cache-hit answer (about 0.4 ms) to a slow miss or a large batch.
REQUEST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# From a precompute chunk of a few users to a two-hour retrain (CELERY_TASK_TIME_LIMIT).
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0)

REQUEST_DURATION = Histogram(
    "recengine_http_request_duration_seconds",
    "Time Django took to answer a request, by method, endpoint (the URL route, never the raw path) and status.",
    ["method", "endpoint", "status"], buckets=REQUEST_BUCKETS,
)
CACHE_HITS = Counter(
    "recengine_recommendation_cache_hits",
    "Recommendation lists answered from the Redis cache (API requests and the recommend command).",
)
CACHE_MISSES = Counter(
    "recengine_recommendation_cache_misses",
    "Recommendation lists computed because the cache could not answer (no entry, an older model or "
    "catalog, too short, Redis down).",
)
FALLBACKS = Counter(
    "recengine_recommendation_fallbacks",
    "Recommendation lists served from popularity instead of the model, by reason (cached or computed).",
    ["reason"],
)
MODEL_VERSION = Gauge(
    "recengine_model_active_version",
    "The ModelVersion id this process serves; 0: none (no active model, its artifact failed to load, or "
    "the process has not served a list yet).",
    multiprocess_mode="liveall",
)
MODEL_INFO = Gauge(
    "recengine_model_info",
    "1 for the model version and algorithm this process serves, 0 for versions it served before.",
    ["version", "algorithm"], multiprocess_mode="liveall",
)
MODEL_LOAD_FAILURES = Counter(
    "recengine_model_load_failures",
    "Active model versions whose artifact could not be loaded (missing, altered, unsigned, outside MODEL_PATH).",
)
TASK_DURATION = Histogram(
    "recengine_celery_task_duration_seconds",
    "Run time of Celery task bodies, by task name and final state (SUCCESS, FAILURE, RETRY ...).",
    ["task", "state"], buckets=TASK_BUCKETS,
)
TASK_FAILURES = Counter(
    "recengine_celery_task_failures",
    "Celery tasks whose body raised (each failed attempt; retries are counted by state=RETRY in the durations).",
    ["task"],
)

# Why a list came from popularity (recommendations/serving/policy.py, ComputedList.fallback).
FALLBACK_REASONS = (
    "no_active_model",  # no ModelVersion is active
    "model_unavailable",  # the active version's artifact could not be loaded
    "no_history",  # the user has no interactions (includes ids never seen)
    "cold_user",  # fewer than MIN_INTERACTIONS_FOR_PERSONALIZED interactions
    "no_model_candidates",  # the model had nothing left to offer (all seen, inactive or filtered out)
    "unknown",  # a list cached before the reason was recorded
)
_fallbacks = {reason: FALLBACKS.labels(reason) for reason in FALLBACK_REASONS}  # all present from 0


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


# -- recording --------------------------------------------------------------------------------------
def lists_served(hits: int, misses: int, fallbacks: Iterable[str] = ()) -> None:
    """Count lists served: answered from the cache, computed, and those that fell back (one reason each)."""
    if hits:
        CACHE_HITS.inc(hits)
    if misses:
        CACHE_MISSES.inc(misses)
    for reason in fallbacks:
        child = _fallbacks.get(reason)
        if child is None:
            child = _fallbacks.setdefault(reason, FALLBACKS.labels(reason))
        child.inc()


_model_info_shown: list[tuple[str, str]] = []


def model_serving(version_id: int | None, algorithm: str | None, *, failed: bool = False) -> None:
    """This process now serves ``version_id`` (None: no model); ``failed``: the active version would not load."""
    if failed:
        MODEL_LOAD_FAILURES.inc()
    MODEL_VERSION.set(version_id or 0)
    for labels in _model_info_shown:
        MODEL_INFO.labels(*labels).set(0)
    _model_info_shown.clear()
    if version_id:
        labels = (str(version_id), algorithm or "")
        MODEL_INFO.labels(*labels).set(1)
        _model_info_shown.append(labels)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_request_children: dict[tuple, object] = {}


def request_observe(method: str, route: str | None, status: int, seconds: float) -> None:
    """One answered request: ``route`` is the matched URL pattern (None when no pattern matched)."""
    if method not in _METHODS:
        method = "other"  # a client can send any method: never a label (or a key here) of its own
    key = (method, route, status)
    child = _request_children.get(key)
    if child is None:
        child = REQUEST_DURATION.labels(method, endpoint_label(route), str(status))
        _request_children[key] = child
    child.observe(seconds)


_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def endpoint_label(route: str | None) -> str:
    """``/items/<pk>`` from ``^items/(?P<pk>[^/.]+)$``, ``/recommendations/<user_id>`` from
    ``recommendations/<str:user_id>``; ``unmatched`` when no pattern matched (404s, early refusals)."""
    if route is None:
        return "unmatched"
    text = _CONVERTER.sub(r"<\1>", _NAMED_GROUP.sub(r"<\1>", route))
    return "/" + text.replace("^", "").replace("$", "").lstrip("/")


def task_observe(task: str, state: str, seconds: float) -> None:
    TASK_DURATION.labels(task, state or "UNKNOWN").observe(seconds)


def task_failed(task: str) -> None:
    TASK_FAILURES.labels(task).inc()


def tasks_known(names: Iterable[str]) -> None:
    """Show a 0 failure count for each task before its first failure (so increase() sees the first)."""
    for name in names:
        TASK_FAILURES.labels(name)


# -- exposition ---------------------------------------------------------------------------------------
_multiprocess_registry: list[CollectorRegistry] = []


def scrape_registry():
    """What a scrape reports: every process's files in multiprocess mode (read afresh by each
    collect), else this process's registry."""
    if not multiprocess():
        return REGISTRY
    if not _multiprocess_registry:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        _multiprocess_registry.append(registry)
    return _multiprocess_registry[0]


def exposition(accept: str | None) -> tuple[bytes, str]:
    """(body, content type) of a scrape, in the format the scraper asks for."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(scrape_registry()), content_type


def bearer_allowed(authorization: str | None, token: str) -> bool | None:
    """True: ``Authorization: Bearer <token>`` matches; False: another token; None: no bearer token sent."""
    scheme, _, given = (authorization or "").strip().partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return None
    return hmac.compare_digest(given.encode(), token.encode())


def process_dead(pid: int) -> None:
    """Drop a finished process's live gauges (gunicorn's child_exit, a Celery pool child's shutdown)."""
    if multiprocess():
        mark_process_dead(pid)


# -- a Celery worker's own endpoint -----------------------------------------------------------------
def worker_metrics_serve(addr: str, port: int, token: str = "") -> ThreadingWSGIServer:
    """Serve this worker's metrics (its pool children's too, in multiprocess mode) on ``addr:port``
    from a daemon thread; with ``token``, only to ``Authorization: Bearer <token>``."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the signature is the base class's
            pass

    prometheus_app = make_wsgi_app(scrape_registry())

    def app(environ, start_response):
        if token:
            allowed = bearer_allowed(environ.get("HTTP_AUTHORIZATION"), token)
            if not allowed:
                status = "401 Unauthorized" if allowed is None else "403 Forbidden"
                start_response(status, [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')])
                return [b"a metrics token is required\n" if allowed is None else b"wrong metrics token\n"]
        return prometheus_app(environ, start_response)

    server = make_server(addr, port, app, ThreadingWSGIServer, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server

