"""Items similar to an item from the active model (recommendations/serving/similar.py), via GET /items/{id}/similar.

The fallbacks without a model (shared tags, then popular) are tested in catalog/tests/test_api_similar_popular.py;
content neighbours of items added after training also in recommendations/tests/test_content_serving.py.
"""
from __future__ import annotations

import pytest

from catalog.models import Item
from recommendations.serving.similar import similar_items_for

pytestmark = pytest.mark.django_db


def similar(api, item_id, **params) -> dict:
    response = api.get(f"/items/{item_id}/similar", params)
    assert response.status_code == 200, response.json()
    return response.json()


def pairs(body) -> list[tuple[str, str]]:
    return [(row["item_code"], row["reason"]) for row in body["similar"]]


@pytest.mark.parametrize("algorithm", ["itemknn", "rp3beta", "hybrid"])
def test_the_model_finds_the_items_of_the_same_cluster(api, clusters, train, algorithm):
    version = train(algorithm)

    body = similar(api, clusters.items["a1"].pk, limit=4)

    assert body["model_version"] == version.pk and body["item_id"] == clusters.items["a1"].pk
    assert sorted(pairs(body)) == [("a2", "similar"), ("a3", "similar"), ("a4", "similar"), ("a5", "similar")]
    scores = [row["score"] for row in body["similar"]]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_the_categorys_popular_items_fill_what_the_model_leaves(api, clusters, train, item_factory):
    train()
    item_factory(item_code="a6", category="books", popularity_score=0.99)  # unknown to the model

    body = similar(api, clusters.items["a1"].pk, limit=10)

    assert sorted(pairs(body)[:4]) == [("a2", "similar"), ("a3", "similar"), ("a4", "similar"), ("a5", "similar")]
    assert pairs(body)[4:] == [("a6", "popular")]  # popular within books only, never music


def test_an_item_the_model_does_not_know_gets_content_neighbours_from_the_models_index(api, clusters, train,
                                                                                     item_factory):
    Item.objects.filter(pk=clusters.items["a2"].pk).update(tags=["poetry"])
    version = train()
    new = item_factory(item_code="new", category="books", tags=["poetry"])

    body = similar(api, new.pk, limit=2)

    assert body["model_version"] == version.pk  # its content index answered
    # a2 shares the category and the tag; the other books only the category (ties: more popular first).
    assert pairs(body) == [("a2", "content"), ("a1", "content")]


def test_without_a_content_index_an_unknown_item_falls_back_to_shared_tags(api, clusters, train, item_factory,
                                                                           monkeypatch):
    monkeypatch.setattr("recommendations.lifecycle.training.content_index_fit", lambda data: None)  # an older artifact
    train()
    Item.objects.filter(pk=clusters.items["a2"].pk).update(tags=["poetry"])
    new = item_factory(item_code="new", category="books", tags=["poetry"])

    body = similar(api, new.pk, limit=2)

    assert body["model_version"] is None  # the model could not say anything about this item
    assert pairs(body) == [("a2", "content"), ("a1", "popular")]


def test_items_deactivated_after_training_are_left_out(api, clusters, train):
    train()
    Item.objects.filter(item_code__in=["a2", "a3"]).update(is_active=False)

    body = similar(api, clusters.items["a1"].pk, limit=10)

    assert sorted(pairs(body)) == [("a4", "similar"), ("a5", "similar")]


def test_a_broken_artifact_falls_back_without_an_error(api, clusters, train):
    from pathlib import Path

    version = train()
    Path(version.artifact_path).write_bytes(b"broken")

    body = similar(api, clusters.items["a1"].pk, limit=2)

    assert body["model_version"] is None
    assert pairs(body) == [("a2", "popular"), ("a3", "popular")]


def test_a_model_without_item_similarity_leaves_it_to_content_and_popularity(api, clusters, train):
    version = train("popularity")

    body = similar(api, clusters.items["a1"].pk, limit=2)

    # Popularity relates no items; the content index trained with it does (the other books, by popularity).
    assert body["model_version"] == version.pk
    assert pairs(body) == [("a2", "content"), ("a3", "content")]


def test_without_a_content_index_a_model_without_item_similarity_gives_popular_items(api, clusters, train,
                                                                                     monkeypatch):
    monkeypatch.setattr("recommendations.lifecycle.training.content_index_fit", lambda data: None)  # an older artifact
    train("popularity")

    body = similar(api, clusters.items["a1"].pk, limit=2)

    assert body["model_version"] is None
    assert pairs(body) == [("a2", "popular"), ("a3", "popular")]


def test_the_service_raises_for_an_unknown_item(db):
    with pytest.raises(Item.DoesNotExist):
        similar_items_for(item_id=424242, limit=3)
