"""In-process cost of the metrics and request ids on the busiest answer: a fast-path cache hit.

Times GET /recommendations/{id}?limit=10 (a cache hit answered by recommendations/api/fastpath.py)
through Django's WSGI handler, no HTTP, one request at a time, in alternating rounds:

- on: as served (RequestMetricsMiddleware and RequestIdMiddleware first in MIDDLEWARE, the cache
  hit counted by services.recommendations_for_users, the request id cleared at request_finished);
- off: those two middlewares left out, the counting replaced by a no-op, the receiver disconnected.

Prints the median wall and CPU (process) microseconds per request of each over the rounds, and the
cost of the recording calls alone. On a busy machine the CPU figures are the steadier ones: what
is added is CPU work, and the Redis round trip (the wall time's largest part) does not count there.
``--multiprocess`` sets PROMETHEUS_MULTIPROC_DIR (a temporary folder) first, as gunicorn does:
every increment then writes to a memory-mapped file.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/metrics_overhead.py [--multiprocess]

Needs an active model version and users with interactions (generate_demo_data, train --activate).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recengine.settings")
OBSERVABILITY_MIDDLEWARE = (
    "recengine.observability.middleware.RequestMetricsMiddleware",
    "recengine.observability.middleware.RequestIdMiddleware",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--requests", type=int, default=500, help="per round and mode")
    parser.add_argument("--multiprocess", action="store_true")
    args = parser.parse_args()
    if args.multiprocess:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="recengine-metrics-bench-")

    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished
    from django.db.models import Count
    from django.test import RequestFactory
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from recengine.observability import metrics
    from recengine.observability.middleware import _request_id_clear
    from recommendations.models import Interaction

    user_id = (Interaction.objects.values("user_id").annotate(n=Count("id"))
               .filter(n__gte=settings.MIN_INTERACTIONS_FOR_PERSONALIZED).order_by("user_id")
               .values_list("user_id", flat=True).first())
    if user_id is None:
        raise SystemExit("no user with enough interactions: run manage.py generate_demo_data first")
    caller, _ = User.objects.get_or_create(username="metrics-bench", defaults={"is_staff": False})
    token, _ = Token.objects.get_or_create(user=caller)

    observed = WSGIHandler()
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name not in OBSERVABILITY_MIDDLEWARE]
    plain = WSGIHandler()
    environ = RequestFactory()._base_environ(
        PATH_INFO=f"/recommendations/{user_id}", QUERY_STRING="limit=10", REQUEST_METHOD="GET",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    def call(handler) -> bytes:
        response = handler(dict(environ), lambda status, headers: None)
        body = b"".join(response)
        response.close()
        return body

    assert b'"recommendations"' in call(observed)  # DRF: checks and remembers the token, fills the cache
    assert b'"cached":true' in call(observed)
    served = metrics.lists_served

    def noop(*args, **kwargs):
        return None

    def timed(handler, on: bool) -> tuple[float, float]:
        if on:
            metrics.lists_served = served
            request_finished.connect(_request_id_clear, dispatch_uid="recengine.observability.request_id_clear")
        else:
            metrics.lists_served = noop
            request_finished.disconnect(dispatch_uid="recengine.observability.request_id_clear")
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            call(handler)
        return ((time.perf_counter() - started) / args.requests * 1e6,
                (time.process_time() - cpu) / args.requests * 1e6)

    results = {"on": [], "off": []}
    timed(observed, True), timed(plain, False)  # warm up
    for round_ in range(args.rounds):  # the order alternates: the first of a pair runs a little slower
        if round_ % 2:
            results["off"].append(timed(plain, False))
            results["on"].append(timed(observed, True))
        else:
            results["on"].append(timed(observed, True))
            results["off"].append(timed(plain, False))
    metrics.lists_served = served

    mode = "multiprocess (mmap files)" if args.multiprocess else "single process"
    print(f"fast-path cache hit, in-process, {args.rounds} x {args.requests} requests each, metrics {mode}:")
    for index, what in enumerate(("wall", "CPU")):
        on = statistics.median(r[index] for r in results["on"])
        off = statistics.median(r[index] for r in results["off"])
        print(f"  {what:>4}: without {off:6.1f} us/request, with {on:6.1f} us/request "
              f"({on - off:+.1f} us, {100 * (on - off) / off:+.1f}%)")

    n = 100_000
    started = time.perf_counter()
    for _ in range(n):
        metrics.request_observe("GET", "recommendations/<str:user_id>", 200, 0.0004)
    observe = (time.perf_counter() - started) / n * 1e6
    started = time.perf_counter()
    for _ in range(n):
        metrics.lists_served(1, 0, ())
    count = (time.perf_counter() - started) / n * 1e6
    # The two middlewares around a view that answers at once, on a real WSGIRequest.
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpResponse
    from django.urls import resolve

    from recengine.observability.middleware import (
        RequestIdMiddleware,
        RequestMetricsMiddleware,
    )

    answer = HttpResponse(b"{}", content_type="application/json")
    match = resolve(environ["PATH_INFO"])

    def view(request):
        request.resolver_match = match
        return answer

    wrapped = RequestMetricsMiddleware(RequestIdMiddleware(view))

    def per_call(handler) -> float:
        requests = [WSGIRequest(dict(environ)) for _ in range(20_000)]
        started = time.process_time()
        for request in requests:
            handler(request)
            _request_id_clear()
        return (time.process_time() - started) / len(requests) * 1e6

    middlewares = statistics.median(per_call(wrapped) - per_call(view) for _ in range(5))
    print(f"  of which: both middlewares {middlewares:.2f} us (latency histogram observe {observe:.2f} us), "
          f"cache hit count {count:.2f} us")


if __name__ == "__main__":
    main()
