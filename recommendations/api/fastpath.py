"""The fast path of ``GET /recommendations/{user_id}[?limit=N]``: the API's busiest request.

DRF's dispatch (request wrapping, authenticator and permission objects, content negotiation,
renderer) costs several times a cached answer itself. For the plain request it is not needed:
``plain_response`` answers it directly when it can prove DRF would answer the same, and returns
None otherwise, so the view carries on through DRF as before. It answers only when:

- the method is GET and the client accepts JSON (no Accept header, ``*/*`` or ``application/json``;
  a browser asking for HTML gets DRF's browsable page);
- the request carries ``Authorization: Token <key>`` with a key this process has recently checked
  (recengine.auth.remembered); a new key, a session or no credentials go through DRF, which checks
  them and remembers good keys;
- the caller is within API_RATE_LIMIT (counted here as DRF's throttle counts it; a caller over the
  limit goes to DRF, which answers the 429 with Retry-After);
- the only query parameter is a valid ``limit`` (``plain_query``).

The body is the same dict the view builds (``recommendation_list_data``), encoded with orjson, with
the headers DRF would add (``Vary: Accept``, ``Allow``). Any error from the service falls back to
DRF, which computes the answer again and words the error (e.g. a 503 when the database is down).
"""
from __future__ import annotations

import logging
import re

import orjson
from django.conf import settings
from django.http import HttpResponse
from rest_framework.authentication import TokenAuthentication, get_authorization_header

from recengine.auth import remembered
from recengine.throttling import rate_wait
from recommendations.api.fields import ID_MAX
from recommendations.api.serializers import recommendation_list_data
from recommendations.serving.service import recommendations_for_users

logger = logging.getLogger(__name__)

_POSITIVE = re.compile(r"[1-9][0-9]{0,18}")
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
ALLOW = "GET, HEAD, OPTIONS"


def plain_query(params, user_id: str) -> tuple[int, int] | None:
    """(user_id, limit) for a request with only valid digits in both; None: let the serializer decide.

    Anything else (other parameters, odd spellings, out-of-range values) goes through
    RecommendationQuerySerializer, which also words the 400 errors, so both paths accept the same.
    """
    if not _POSITIVE.fullmatch(user_id) or int(user_id) > ID_MAX or any(name != "limit" for name in params):
        return None
    if "limit" not in params:
        return int(user_id), settings.TOP_N_RECOMMENDATIONS
    limit = params["limit"]
    if not _POSITIVE.fullmatch(limit) or int(limit) > settings.MAX_RECOMMENDATIONS_LIMIT:
        return None
    return int(user_id), int(limit)


def _token_key(request) -> str | None:
    """The key of ``Authorization: Token <key>``, parsed as DRF's TokenAuthentication parses it."""
    parts = get_authorization_header(request).split()
    if len(parts) != 2 or parts[0].lower() != TokenAuthentication.keyword.lower().encode():
        return None
    try:
        return parts[1].decode()
    except UnicodeError:
        return None


def plain_response(request, user_id: str) -> HttpResponse | None:
    """The answer to a plain recommendations GET, or None when DRF must answer (module docstring)."""
    if request.method != "GET":
        return None
    if request.META.get("HTTP_ACCEPT", "").strip() not in _JSON_ACCEPTS:
        return None
    key = _token_key(request)
    known = remembered(key) if key is not None else None
    if known is None:
        return None
    plain = plain_query(request.GET, user_id)
    if plain is None:
        return None
    if settings.API_RATE_LIMIT and rate_wait(f"user:{known[0].pk}", settings.API_RATE_LIMIT) is not None:
        return None
    try:
        result = recommendations_for_users(user_ids=[plain[0]], limit=plain[1])[0]
    except Exception as exc:  # noqa: BLE001 - DRF answers again and words the error
        logger.debug("recommendations fast path gave way to DRF: %r", exc)
        return None
    response = HttpResponse(orjson.dumps(recommendation_list_data(result)), content_type="application/json")
    response["Vary"] = "Accept"
    response["Allow"] = ALLOW
    return response
