from __future__ import annotations

from datetime import datetime

import pytest

from recommendations.models import Interaction
from recommendations.serving.model import serving_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(item_factory):
    """Five active items with distinct popularity, two tied, and one popular but inactive item."""
    items = {
        name: item_factory(item_code=name, name=name.title(), popularity_score=score)
        for name, score in [("a", 0.9), ("b", 0.7), ("c", 0.7), ("d", 0.5), ("e", 0.1)]
    }
    items["gone"] = item_factory(item_code="gone", popularity_score=1.0, is_active=False)
    return items


def recommended(client, user_id, **params) -> list[str]:
    response = client.get(f"/recommendations/{user_id}", params)
    assert response.status_code == 200, response.json()
    return [row["item_code"] for row in response.json()["recommendations"]]


def test_it_answers_with_the_documented_shape(api, catalog, user_factory):
    user = user_factory()

    body = api.get(f"/recommendations/{user.pk}", {"limit": 1}).json()

    # The original shape, plus model_version and recomm_id (attribution) added for personalized models.
    assert set(body) == {"user_id", "recommendations", "cached", "timestamp", "model_version", "recomm_id"}
    assert body["user_id"] == user.pk and body["cached"] is False
    assert body["model_version"] is None and len(body["recomm_id"]) == 32
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None
    assert body["recommendations"] == [
        {
            "item_id": catalog["a"].pk, "item_code": "a", "name": "A", "category": "books",
            "score": 0.9, "reason": "popular",
        }
    ]


def test_it_ranks_active_items_by_popularity_then_id(api, catalog, user_factory):
    assert recommended(api, user_factory().pk) == ["a", "b", "c", "d", "e"]


def test_it_never_recommends_inactive_items(api, catalog, user_factory):
    assert "gone" not in recommended(api, user_factory().pk, limit=100)


def test_it_leaves_out_items_the_user_interacted_with(api, catalog, user_factory):
    user = user_factory()
    Interaction.objects.create(user=user, item=catalog["a"], interaction_type="view")
    Interaction.objects.create(user=user, item=catalog["c"], interaction_type="purchase")

    assert recommended(api, user.pk) == ["b", "d", "e"]


def test_it_gives_an_unseen_user_id_the_popular_items(api, catalog):
    response = api.get("/recommendations/987654321")

    assert response.status_code == 200
    assert response.json()["user_id"] == 987654321
    assert [row["item_code"] for row in response.json()["recommendations"]] == ["a", "b", "c", "d", "e"]


def test_it_defaults_the_limit_to_top_n(api, item_factory, settings):
    settings.TOP_N_RECOMMENDATIONS = 3
    item_factory.create_batch(5)

    assert len(recommended(api, 1)) == 3


def test_it_honours_a_limit(api, catalog):
    assert recommended(api, 1, limit=2) == ["a", "b"]
    assert recommended(api, 1, limit=100) == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "2.5", ""])
def test_it_refuses_a_limit_out_of_range_naming_it(api, limit):
    response = api.get("/recommendations/1", {"limit": limit})

    assert response.status_code == 400
    assert list(response.json()) == ["limit"]


@pytest.mark.parametrize("user_id", ["0", "abc", "-5", str(2**63), "9" * 30])
def test_it_refuses_a_user_id_that_is_not_a_positive_64_bit_integer(api, user_id):
    response = api.get(f"/recommendations/{user_id}")

    assert response.status_code == 400
    assert response.json() == {"user_id": ["user_id must be a positive 64-bit integer."]}


def test_it_accepts_the_largest_64_bit_user_id(api, catalog):
    assert recommended(api, 2**63 - 1) == ["a", "b", "c", "d", "e"]


def test_it_answers_an_empty_list_for_an_empty_catalog(api):
    assert recommended(api, 1) == []


def test_it_needs_a_token(anon):
    assert anon.get("/recommendations/1").status_code == 401


def test_it_uses_few_queries_on_a_miss_and_none_on_a_hit(api, catalog, user_factory, django_assert_num_queries):
    serving_model()  # the active-version check runs at most every MODEL_CHECK_INTERVAL seconds
    newcomer = user_factory()
    # token lookup + history + preferences (a cold user's favourite categories) + popularity + whether
    # the user exists (a popular list is cached for users only, never for an unknown id)
    with django_assert_num_queries(5):
        api.get(f"/recommendations/{newcomer.pk}")
    with django_assert_num_queries(0):  # the token is remembered (recengine/auth.py); the list is cached
        assert api.get(f"/recommendations/{newcomer.pk}").json()["cached"] is True
