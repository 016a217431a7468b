"""The query of ``GET /recommendations/{user_id}``, parsed into a ``serving.Query`` in one place.

``plain_query`` recognises the common request (a user id and maybe a ``limit``, in plain digits) with
two regular expressions; everything else goes through ``RecommendationQuerySerializer``, which also
words the 400s. The fast path takes only what ``plain_query`` accepts; the DRF view calls
``recommendation_query``, so both accept exactly the same requests.
"""
from __future__ import annotations

import re

from django.conf import settings
from django.http import QueryDict

from recommendations.api.fields import ID_MAX
from recommendations.api.serializers import RecommendationQuerySerializer
from recommendations.serving.query import Query

_POSITIVE = re.compile(r"[1-9][0-9]{0,18}")


def plain_query(params: QueryDict, user_id: str) -> Query | None:
    """The Query of a request with only valid digits in user_id and limit; None: the serializer decides."""
    if not _POSITIVE.fullmatch(user_id) or int(user_id) > ID_MAX or any(name != "limit" for name in params):
        return None
    if "limit" not in params:
        return Query(int(user_id), settings.TOP_N_RECOMMENDATIONS)
    limit = params["limit"]
    if not _POSITIVE.fullmatch(limit) or int(limit) > settings.MAX_RECOMMENDATIONS_LIMIT:
        return None
    return Query(int(user_id), int(limit))


def recommendation_query(params: QueryDict, user_id: str) -> Query:
    """The Query of any request; a DRF ValidationError (a 400 naming the parameter) when it is invalid."""
    plain = plain_query(params, user_id)
    if plain is not None:
        return plain
    serializer = RecommendationQuerySerializer(data=_serializer_params(params, user_id))
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    return Query(data["user_id"], data["limit"], tuple(data["category"]), tuple(data["exclude"]),
                 data["include_seen"])


def _serializer_params(params: QueryDict, user_id: str) -> dict:
    """Query parameters as the serializer wants them: repeatable lists, comma lists split."""
    out: dict = {"user_id": user_id}
    for name in ("limit", "include_seen"):
        if name in params:
            out[name] = params[name]
    if "category" in params:
        out["category"] = params.getlist("category")
    if "exclude" in params:
        out["exclude"] = [part for value in params.getlist("exclude") for part in value.split(",") if part]
    return out
