"""``GET /recommendations/{user_id}``, the API's busiest request, answered without DRF's dispatch.

DRF's dispatch (request wrapping, authenticator and permission objects, content negotiation,
renderer) costs several times a cached answer itself. ``recommendations_detail`` answers a plain GET
with DRF's own pieces instead of copies of them:

- the client accepts JSON (no Accept header, ``*/*`` or ``application/json``; a browser asking for
  HTML gets DRF's browsable page);
- the token is read by DRF's token authentication, from the tokens this process remembers
  (recengine.auth.RememberedTokenAuthentication): no query;
- the caller is counted by the API's throttle (recengine.throttling.CallerRateThrottle), once: when
  the request goes on to DRF, DRF's throttle reuses that count;
- the query is plain (recommendations/api/queries.py, the parser the DRF view uses too);
- the list comes from the one read path (serving/service.py ``recommend``), as in the DRF view;
- an error the service raises is worded by the API's exception handler (recengine.api), as DRF
  would word it (a 503 when the database is down), without computing the list a second time.

Anything else goes to the DRF view. The body is the dict the view builds (``recommendation_list_data``)
encoded with orjson, with the headers DRF adds (``Vary: Accept``, ``Allow``).
"""
from __future__ import annotations

import orjson
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer

from recengine.api import exception_handler
from recengine.auth import RememberedTokenAuthentication
from recengine.throttling import CallerRateThrottle
from recommendations.api.queries import plain_query
from recommendations.api.serializers import recommendation_list_data
from recommendations.serving.service import recommend

_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
ALLOW = "GET, HEAD, OPTIONS"
_authentication = RememberedTokenAuthentication()
_throttle = CallerRateThrottle()


def fast_response(request, user_id: str, drf_view):
    """The answer to a plain recommendations GET, or ``drf_view``'s (module docstring)."""
    if request.method != "GET" or request.META.get("HTTP_ACCEPT", "").strip() not in _JSON_ACCEPTS:
        return drf_view(request, user_id=user_id)
    query = plain_query(request.GET, user_id)
    try:
        credentials = _authentication.authenticate(request) if query is not None else None
    except APIException:  # a malformed header, or a key not remembered: DRF checks it
        credentials = None
    if credentials is None or _throttle.count(request, credentials[0]) is not None:
        return drf_view(request, user_id=user_id)  # over the limit: DRF answers the 429 from this count
    try:
        result = recommend(query)
    except Exception as exc:  # noqa: BLE001 - worded as DRF words it, or re-raised as DRF would
        return _error_response(request, exc)
    return _finish(HttpResponse(orjson.dumps(recommendation_list_data(result)), content_type="application/json"))


def _error_response(request, exc: Exception):
    response = exception_handler(exc, {"request": request, "view": None})
    if response is None:
        raise exc  # Django's handler500 (recengine.api.server_error), as for the DRF view
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {"request": request, "response": response}
    return _finish(response)


def _finish(response):
    response["Allow"] = ALLOW
    patch_vary_headers(response, ["Accept"])
    return response

