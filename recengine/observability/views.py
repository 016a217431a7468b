"""``GET /metrics``: the Prometheus scrape of the web processes (recengine/observability/metrics.py).

Open unless METRICS_TOKEN is set, as most exporters are: keep it off the public internet (a firewall
or the proxy in front). With METRICS_TOKEN, a scrape needs ``Authorization: Bearer <token>``
(Prometheus: ``authorization: {credentials: ...}`` in the scrape config): 401 without one, 403 with
another. A plain Django view, so not part of the API's OpenAPI schema.
"""
from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from recengine.observability.metrics import bearer_allowed, exposition


@require_safe
def metrics(request):
    token = settings.METRICS_TOKEN
    if token:
        allowed = bearer_allowed(request.META.get("HTTP_AUTHORIZATION"), token)
        if not allowed:
            response = HttpResponse(
                "a metrics token is required\n" if allowed is None else "wrong metrics token\n",
                status=401 if allowed is None else 403, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    body, content_type = exposition(request.META.get("HTTP_ACCEPT"))
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
