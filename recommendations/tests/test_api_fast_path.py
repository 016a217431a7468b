"""The hot path of GET /recommendations/{id}: same answers as the serializers, fewer steps."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from recommendations.api.serializers import (
    RecommendationListSerializer,
    recommendation_list_data,
)
from recommendations.serving.service import Recommendations

pytestmark = pytest.mark.django_db


def test_the_direct_dict_equals_the_serializer_output():
    rows = [
        {"item_id": 7, "item_code": "a7", "name": "Seven", "category": "books", "score": 1.5, "reason": "new"},
        {"item_id": 9, "item_code": "b9", "name": "Nine", "category": "", "score": 0.25, "reason": "similar_to:a7"},
    ]
    for result in (
        Recommendations(3, rows, True, timezone.now(), 12, "abc"),
        Recommendations(4, [], False, timezone.now().replace(microsecond=0), None, "def"),
    ):
        assert recommendation_list_data(result) == RecommendationListSerializer(result).data


def test_plain_and_serializer_paths_give_the_same_list(api, clusters, train):
    train()
    reader = clusters.readers[0].pk

    plain = api.get(f"/recommendations/{reader}", {"limit": 3}).json()
    # include_seen=false is the default: the same list, through the serializer path.
    checked = api.get(f"/recommendations/{reader}", {"limit": 3, "include_seen": "false"}).json()

    assert [r["item_id"] for r in plain["recommendations"]] == [r["item_id"] for r in checked["recommendations"]]
    assert plain.keys() == checked.keys()


@pytest.mark.parametrize(
    "path, params",
    [
        ("/recommendations/0", {}),
        ("/recommendations/-1", {}),
        ("/recommendations/abc", {}),
        (f"/recommendations/{2**63}", {}),
        ("/recommendations/1", {"limit": "0"}),
        ("/recommendations/1", {"limit": "101"}),
        ("/recommendations/1", {"limit": "ten"}),
        ("/recommendations/1", {"limit": str(10**30)}),
    ],
)
def test_requests_the_fast_path_cannot_take_still_get_the_serializers_400(api, path, params):
    response = api.get(path, params)

    assert response.status_code == 400
    assert response.json()  # a body that says what is wrong


def test_leading_zeros_and_default_limit_behave_as_before(api):
    assert api.get("/recommendations/007").json()["user_id"] == 7
    body = api.get("/recommendations/7").json()
    assert body["user_id"] == 7 and isinstance(body["recommendations"], list)
    assert len(body["recommendations"]) <= settings.TOP_N_RECOMMENDATIONS


# -- the answer without DRF's dispatch (recommendations/api/fastpath.py) -----------------------------
@pytest.fixture
def drf_calls(monkeypatch):
    """How many requests RecommendationViewSet handed to DRF's dispatch (its `initial` step)."""
    from recommendations.api.views import RecommendationViewSet

    calls = []
    original = RecommendationViewSet.initial

    def counting(self, request, *args, **kwargs):
        calls.append(request.path)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(RecommendationViewSet, "initial", counting)
    return calls


def _comparable(response):
    body = dict(response.json())  # a copy: the client keeps the parsed body
    body.pop("timestamp")
    return response.status_code, response["Content-Type"], response["Vary"], response["Allow"], body


def test_a_remembered_token_gets_the_same_answer_without_drf(api, clusters, train, drf_calls):
    train()
    reader = clusters.readers[0].pk

    first = api.get(f"/recommendations/{reader}", {"limit": 4})  # DRF checks the new token
    assert len(drf_calls) == 1 and first.json()["cached"] is False
    second = api.get(f"/recommendations/{reader}", {"limit": 4})  # remembered token, cached list
    assert len(drf_calls) == 1, "the plain cached request went through DRF"

    assert second.json()["cached"] is True
    status, content_type, vary, allow, body = _comparable(second)
    assert (status, content_type, vary, allow) == _comparable(first)[:4] == (200, "application/json", "Accept",
                                                                            "GET, HEAD, OPTIONS")
    assert body == {**_comparable(first)[4], "cached": True}
    assert second.json()["timestamp"].endswith("Z")

    # A miss is answered on the fast path too, and the same as through DRF.
    fresh = api.get(f"/recommendations/{clusters.readers[1].pk}", {"limit": 4})
    assert len(drf_calls) == 1 and fresh.json()["cached"] is False
    api.get(f"/recommendations/{clusters.readers[1].pk}", {"limit": 4, "include_seen": "false"})
    assert len(drf_calls) == 2  # a filter parameter: DRF


def test_requests_the_fast_path_must_leave_to_drf(api, api_user, clusters, drf_calls):
    reader = clusters.readers[0].pk
    api.get(f"/recommendations/{reader}")
    assert len(drf_calls) == 1

    assert api.get(f"/recommendations/{reader}", HTTP_ACCEPT="text/html").status_code == 200  # browsable page
    assert api.get(f"/recommendations/{reader}", {"limit": "0"}).status_code == 400
    assert len(drf_calls) == 3

    # The token is deleted: the process forgets it at once, and DRF refuses it.
    Token.objects.filter(user=api_user).delete()
    response = api.get(f"/recommendations/{reader}")
    assert response.status_code == 401 and len(drf_calls) == 4


def test_the_fast_path_counts_against_the_rate_limit_and_drf_answers_the_429(api, clusters, drf_calls, settings):
    settings.API_RATE_LIMIT = "3/min"
    reader = clusters.readers[0].pk
    assert api.get(f"/recommendations/{reader}").status_code == 200  # DRF: the token is new
    assert api.get(f"/recommendations/{reader}").status_code == 200  # fast path
    assert api.get(f"/recommendations/{reader}").status_code == 200  # fast path
    assert len(drf_calls) == 1

    over = api.get(f"/recommendations/{reader}")

    assert over.status_code == 429 and len(drf_calls) == 2
    assert 1 <= int(over["Retry-After"]) <= 60
    assert "throttled" in over.json()["detail"]


def _rate_count(user) -> int:
    """The caller's count in the current rate window (recengine/throttling.py keys)."""
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    return sum(int(redis.get(key)) for key in redis.keys(f"recengine:rate:user:{user.pk}:*"))


def test_a_request_the_fast_path_hands_to_drf_is_counted_once(api, api_user, clusters, drf_calls, settings):
    settings.API_RATE_LIMIT = "3/min"
    reader = clusters.readers[0].pk
    for _ in range(5):  # DRF (new token), fast path, fast path, then over the limit twice
        api.get(f"/recommendations/{reader}")

    assert len(drf_calls) == 3  # the first, and the two 429s worded by DRF
    assert _rate_count(api_user) == 5  # five requests, five counts (not seven)


def test_a_failing_service_on_the_fast_path_is_worded_as_drf_words_it_without_a_second_try(
        api, clusters, drf_calls, monkeypatch):
    from django.db import OperationalError

    reader = clusters.readers[0].pk
    healthy = api.get(f"/recommendations/{reader}")  # DRF remembers the token
    calls = []

    def database_down(query, **kwargs):
        calls.append(query)
        raise OperationalError("connection refused")

    monkeypatch.setattr("recommendations.api.fastpath.recommend", database_down)
    down = api.get(f"/recommendations/{reader}")

    assert down.status_code == 503 and down.json()["code"] == "database_unavailable"
    assert (down["Vary"], down["Allow"]) == (healthy["Vary"], healthy["Allow"])
    assert len(calls) == 1 and len(drf_calls) == 1  # not computed again through DRF
