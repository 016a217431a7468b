"""Request latency metrics and the request id: the first two middlewares (settings.MIDDLEWARE)."""
from __future__ import annotations

import time

from django.core.signals import request_finished
from django.dispatch import receiver

from recengine.observability.context import (
    new_request_id,
    request_id_var,
    sane_request_id,
)
from recengine.observability.metrics import request_observe

REQUEST_ID_HEADER = "X-Request-ID"


class RequestMetricsMiddleware:
    """Observes each request in ``recengine_http_request_duration_seconds`` under its URL route.

    First in the list, so the time covers every other middleware, and requests that another
    middleware answers before any URL matched (413, https redirect) count as ``unmatched``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        request_observe(request.method, match.route if match is not None else None, response.status_code,
                        time.perf_counter() - started)
        return response


class RequestIdMiddleware:
    """The request's id: the caller's ``X-Request-ID`` when sane (recengine/observability/context.py),
    else a new one. Every log line of the request carries it, tasks the request queues take it along,
    and the response returns it in ``X-Request-ID``.

    The id stays set until the response is closed (``request_finished``), so Django's own lines about
    the request (``django.request`` logs 4xx and 5xx after the middlewares) carry it too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_request_id(request.META.get("HTTP_X_REQUEST_ID")) or new_request_id()
        request_id_var.set(request_id)
        request.request_id = request_id
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="recengine.observability.request_id_clear")
def _request_id_clear(**kwargs) -> None:
    request_id_var.set(None)
