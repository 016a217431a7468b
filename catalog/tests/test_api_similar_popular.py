"""GET /items/{id}/similar and GET /items/popular (the model-based part: recommendations/tests/test_similar.py)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def codes(response, key: str) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["item_code"] for row in response.json()[key]]


@pytest.fixture
def shelf(item_factory):
    """Books with tags, one inactive, plus music that shares tags but not the category."""
    spec = [
        ("dune", "books", ["sci-fi", "classic", "desert"], 0.2),
        ("hyperion", "books", ["sci-fi", "classic"], 0.1),
        ("foundation", "books", ["sci-fi", "classic", "desert"], 0.3),
        ("solaris", "books", ["sci-fi"], 0.9),
        ("emma", "books", ["romance"], 0.8),
        ("gone", "books", ["sci-fi", "classic", "desert"], 1.0, False),
        ("cowboy", "music", ["desert", "classic", "sci-fi"], 1.0),
    ]
    return {
        code: item_factory(item_code=code, name=code.title(), category=category, tags=tags,
                           popularity_score=score, is_active=rest[0] if rest else True)
        for code, category, tags, score, *rest in spec
    }


# -- popular --------------------------------------------------------------------------------------
def test_popular_ranks_active_items_by_popularity_then_id(api, shelf):
    assert codes(api.get("/items/popular"), "items") == [
        "cowboy", "solaris", "emma", "foundation", "dune", "hyperion",
    ]


def test_popular_answers_the_documented_shape(api, shelf):
    body = api.get("/items/popular", {"limit": 1}).json()

    assert body == {
        "items": [
            {"item_id": shelf["cowboy"].pk, "item_code": "cowboy", "name": "Cowboy", "category": "music",
             "score": 1.0, "reason": "popular"}
        ]
    }


def test_popular_filters_by_one_or_several_categories(api, shelf, item_factory):
    item_factory(item_code="vhs", category="films", popularity_score=0.5)

    assert codes(api.get("/items/popular", {"category": "music"}), "items") == ["cowboy"]
    assert codes(api.get("/items/popular?category=music&category=films"), "items") == ["cowboy", "vhs"]


def test_popular_defaults_to_ten_and_honours_a_limit(api, item_factory):
    item_factory.create_batch(12)

    assert len(codes(api.get("/items/popular"), "items")) == 10
    assert len(codes(api.get("/items/popular", {"limit": 100}), "items")) == 12
    assert len(codes(api.get("/items/popular", {"limit": 3}), "items")) == 3


@pytest.mark.parametrize("limit", ["0", "101", "abc", ""])
def test_popular_refuses_a_bad_limit_naming_it(api, limit):
    response = api.get("/items/popular", {"limit": limit})

    assert response.status_code == 400
    assert list(response.json()) == ["limit"]


def test_popular_is_not_mistaken_for_an_item_id_and_upsert_by_code_still_works(api, shelf):
    assert api.get("/items/popular").status_code == 200
    assert api.get("/items/popular/similar").status_code == 404

    response = api.put("/items/by-code/popular", {"name": "Popular"}, format="json")

    assert response.status_code == 201, response.json()
    assert api.get(f"/items/{response.json()['id']}").json()["item_code"] == "popular"


# -- similar without a model: content, then popular -----------------------------------------------
def test_similar_without_a_model_ranks_same_category_items_by_shared_tags_then_popularity(api, shelf):
    response = api.get(f"/items/{shelf['dune'].pk}/similar")

    body = response.json()
    assert body["item_id"] == shelf["dune"].pk and body["model_version"] is None
    # foundation shares 3 tags, hyperion 2, solaris 1; then the category's popular rest (emma).
    assert [(row["item_code"], row["reason"]) for row in body["similar"]] == [
        ("foundation", "content"), ("hyperion", "content"), ("solaris", "content"), ("emma", "popular"),
    ]
    assert [row["score"] for row in body["similar"]] == [1.0, pytest.approx(2 / 3, abs=1e-6),
                                                         pytest.approx(1 / 3, abs=1e-6), 0.8]


def test_similar_breaks_a_tag_tie_by_popularity(api, shelf, item_factory):
    item_factory(item_code="ubik", category="books", tags=["sci-fi", "classic", "desert"], popularity_score=0.25)

    assert codes(api.get(f"/items/{shelf['dune'].pk}/similar", {"limit": 2}), "similar") == ["foundation", "ubik"]


def test_similar_never_returns_inactive_items_other_categories_or_the_item_itself(api, shelf):
    found = codes(api.get(f"/items/{shelf['dune'].pk}/similar", {"limit": 100}), "similar")

    assert "gone" not in found and "cowboy" not in found and "dune" not in found


def test_similar_of_an_untagged_item_is_the_categorys_popular_items(api, shelf, item_factory):
    plain = item_factory(item_code="plain", category="books", tags=[], popularity_score=0.0)

    body = api.get(f"/items/{plain.pk}/similar", {"limit": 3}).json()

    assert [(row["item_code"], row["reason"]) for row in body["similar"]] == [
        ("solaris", "popular"), ("emma", "popular"), ("foundation", "popular"),
    ]


def test_similar_of_an_inactive_item_still_answers(api, shelf):
    assert codes(api.get(f"/items/{shelf['gone'].pk}/similar", {"limit": 1}), "similar") == ["foundation"]


def test_similar_answers_404_for_an_unknown_item(api, shelf):
    assert api.get("/items/987654321/similar").status_code == 404
    assert api.get(f"/items/{'9' * 30}/similar").status_code == 404


@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_similar_refuses_a_bad_limit_naming_it(api, shelf, limit):
    response = api.get(f"/items/{shelf['dune'].pk}/similar", {"limit": limit})

    assert response.status_code == 400
    assert list(response.json()) == ["limit"]


def test_similar_uses_few_queries(api, shelf, django_assert_num_queries):
    from recommendations.serving.model import serving_model

    serving_model()  # the active-version check runs at most every MODEL_CHECK_INTERVAL seconds
    with django_assert_num_queries(4):  # token, the item, content candidates, popular backfill
        api.get(f"/items/{shelf['dune'].pk}/similar")


def test_both_need_a_token(anon, shelf):
    assert anon.get("/items/popular").status_code == 401
    assert anon.get(f"/items/{shelf['dune'].pk}/similar").status_code == 401
