"""New and cold items placed by content similarity (recommendations/serving/content.py), on a real model.

The two-cluster catalog of recommendations/testing/clusters.py: books a1..a5 (tagged "fantasy" here) and
music b1..b5 (tagged "jazz"). A reader who bought a1, a2 and a3 gets a4 and a5 from the model, then
the "new" place (NEW_ITEM_POSITION 2), then popular items.
"""
from __future__ import annotations

import pytest

from accounts.models import User
from catalog.models import Item
from recommendations.serving.content import new_items_snapshot
from recommendations.serving.model import serving_model
from recommendations.testing.clusters import interactions_add, listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(clusters):
    Item.objects.filter(category="books").update(tags=["fantasy"])
    Item.objects.filter(category="music").update(tags=["jazz"])
    return clusters


@pytest.fixture
def reader(tagged):
    user = User.objects.create(username="new-reader")
    interactions_add(user, [tagged.items[code] for code in ("a1", "a2", "a3")])
    return user


def codes(body, key="recommendations") -> list[str]:
    return [row["item_code"] for row in body[key]]


def new_codes(body) -> list[str]:
    return [row["item_code"] for row in body["recommendations"] if row["reason"] == "new"]


# -- the content index in the artifact ------------------------------------------------------------
def test_every_trained_model_carries_a_content_index_with_its_cold_items(tagged, train, item_factory):
    cold = item_factory(item_code="a6", name="Dragon atlas", category="books", tags=["fantasy", "maps"])
    train("popularity")

    model = serving_model()
    index = model.content_index

    assert index is not None and index.T.shape == (model.n_items, len(index.vocabulary))
    assert model.item_ids[index.cold_items].tolist() == [cold.pk]  # the one item without interactions
    assert {"tag_fantasy", "tag_maps", "cat_books", "dragon"} <= set(index.vocabulary)


def test_a_catalog_without_any_text_trains_without_a_content_index(clusters, train):
    Item.objects.update(name="", category="", tags=[])

    version = train()

    assert version.status == "ready" and serving_model().content_index is None


# -- new items in a personalized list -------------------------------------------------------------
def test_a_new_item_like_the_history_gets_the_new_place_and_an_unrelated_one_none(api, reader, train, item_factory):
    train()
    # Another category, but the tag of everything the reader bought: the category rule would miss it.
    fresh = item_factory(item_code="saga", name="Dragon saga", category="novels", tags=["fantasy"])
    item_factory(item_code="record", name="Blue notes", category="music", tags=["jazz"])  # the listeners' taste
    item_factory(item_code="hose", name="Garden hose", category="garden", tags=["watering"])

    body = listing(api, reader.pk, limit=8)

    assert codes(body)[2] == "saga" and body["recommendations"][2]["reason"] == "new"
    assert body["recommendations"][2]["item_id"] == fresh.pk
    assert new_codes(body) == ["saga"]
    assert not {"record", "hose"} & set(codes(body))  # a4 a5, saga, then the five popular records
    scores = [row["score"] for row in body["recommendations"]]
    assert scores == sorted(scores, reverse=True)


def test_the_most_similar_new_item_wins_the_place_not_the_newest(api, reader, train, item_factory):
    train()
    closer = item_factory(item_code="closer", category="books", tags=["fantasy"])
    item_factory(item_code="newer", category="books", tags=["cooking"])  # only the category in common

    # "closer" was created first: the newest-first category rule would have picked "newer".
    assert new_codes(listing(api, reader.pk, limit=5)) == [closer.item_code]


def test_an_item_known_but_never_interacted_with_gets_the_new_place(api, reader, train, item_factory):
    item_factory(item_code="shelf-warmer", category="books", tags=["fantasy"])  # in the catalog, no interactions
    train()

    assert new_codes(listing(api, reader.pk, limit=5)) == ["shelf-warmer"]


def test_new_items_follow_the_category_filter_and_exclude(api, reader, train, item_factory):
    train()
    saga = item_factory(item_code="saga", category="novels", tags=["fantasy"])

    assert "saga" not in codes(listing(api, reader.pk, limit=5, category="books"))
    assert "saga" not in codes(listing(api, reader.pk, limit=5, exclude=saga.pk))


def test_an_inactive_new_item_never_appears(api, reader, train, item_factory):
    train()
    hidden = item_factory(item_code="hidden", category="books", tags=["fantasy"], is_active=False)

    assert "hidden" not in codes(listing(api, reader.pk, limit=20))
    assert "hidden" not in codes(listing(api, reader.pk, limit=20, include_seen="true"))
    assert hidden.pk not in new_items_snapshot(serving_model()).ids.tolist()


def test_without_a_content_index_the_category_rule_still_places_new_items(api, reader, train, item_factory,
                                                                         monkeypatch):
    monkeypatch.setattr("recommendations.lifecycle.training.content_index_fit", lambda data: None)  # an older artifact
    train()
    item_factory(item_code="a-new", category="books")
    item_factory(item_code="saga", category="novels", tags=["fantasy"])

    assert new_codes(listing(api, reader.pk, limit=5)) == ["a-new"]


# -- the snapshot ---------------------------------------------------------------------------------
def test_the_snapshot_is_reused_until_new_items_refresh_seconds(reader, train, item_factory, settings):
    settings.NEW_ITEMS_REFRESH_SECONDS = 60
    train()
    model = serving_model()
    first = new_items_snapshot(model)
    late = item_factory(item_code="late", category="books", tags=["fantasy"])

    assert new_items_snapshot(model) is first and late.pk not in first.ids.tolist()  # no query, no new item

    settings.NEW_ITEMS_REFRESH_SECONDS = 0
    assert late.pk in new_items_snapshot(model).ids.tolist()


def test_a_new_item_appears_in_the_next_computed_list_after_the_refresh(api, reader, train, item_factory, settings):
    from recommendations.serving.cache import recommendations_drop

    settings.NEW_ITEMS_REFRESH_SECONDS = 0
    train()
    assert new_codes(listing(api, reader.pk, limit=5)) == []
    item_factory(item_code="late", category="books", tags=["fantasy"])
    recommendations_drop(user_ids=[reader.pk])  # the cached list would answer otherwise

    assert new_codes(listing(api, reader.pk, limit=5)) == ["late"]


def test_a_deactivated_new_item_leaves_lists_and_snapshot_at_once(api, reader, train, item_factory, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.NEW_ITEMS_REFRESH_SECONDS = 3600  # only the catalog epoch can refresh it in this test
    train()
    saga = item_factory(item_code="saga", category="novels", tags=["fantasy"])
    assert new_codes(listing(api, reader.pk, limit=5)) == ["saga"]  # now cached, and in the snapshot

    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(f"/items/{saga.pk}", {"is_active": False}, format="json")
    assert response.status_code == 200

    body = listing(api, reader.pk, limit=5)
    assert body["cached"] is False and "saga" not in codes(body)
    assert saga.pk not in new_items_snapshot(serving_model()).ids.tolist()


# -- similar items --------------------------------------------------------------------------------
def similar(api, item_id, **params) -> dict:
    response = api.get(f"/items/{item_id}/similar", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_new_item_gets_content_neighbours_among_known_and_new_items(api, tagged, train, item_factory):
    version = train()
    # Words the index never saw ("dragon", "novels"...) count for nothing until the next training;
    # the tag "fantasy" and the category "books" it knows.
    saga = item_factory(item_code="saga", name="Dragon saga", category="novels", tags=["fantasy", "dragons"])
    item_factory(item_code="sequel", name="Dragon saga returns", category="books", tags=["fantasy"])
    item_factory(item_code="gone", name="Dragon saga lost", category="books", tags=["fantasy"], is_active=False)
    item_factory(item_code="hose", name="Garden hose", category="garden", tags=["watering"])

    body = similar(api, saga.pk, limit=4)

    assert body["model_version"] == version.pk
    # "sequel" holds little besides "fantasy", so it is closest; the books tie, the more popular first.
    assert [(row["item_code"], row["reason"]) for row in body["similar"]] == [
        ("sequel", "content"), ("a1", "content"), ("a2", "content"), ("a3", "content")]
    scores = [row["score"] for row in body["similar"]]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_content_neighbours_never_include_the_item_or_inactive_items(api, tagged, train, item_factory):
    train()
    saga = item_factory(item_code="saga", category="books", tags=["fantasy"])
    Item.objects.filter(item_code__in=["a1", "a2"]).update(is_active=False)

    found = codes(similar(api, saga.pk, limit=20), "similar")

    # The active books (popular books would fill any further places); no music: nothing in common.
    assert found == ["a3", "a4", "a5"]


def test_a_known_item_the_model_relates_keeps_its_model_neighbours(api, tagged, train, item_factory):
    train()
    item_factory(item_code="saga", category="books", tags=["fantasy"])

    body = similar(api, tagged.items["a1"].pk, limit=4)

    assert sorted((row["item_code"], row["reason"]) for row in body["similar"]) == [
        ("a2", "similar"), ("a3", "similar"), ("a4", "similar"), ("a5", "similar")]
