"""The hot path of GET /recommendations/{id}: same answers as the serializers, fewer steps."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from recommendations.api.serializers import RecommendationListSerializer, recommendation_list_data
from recommendations.services import Recommendations

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
