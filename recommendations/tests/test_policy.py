"""The hybrid serving policy (recommendations/serving/policy.py), through GET /recommendations/{id}, on a real model."""
from __future__ import annotations

import pytest

from accounts.models import User
from recommendations.models import Interaction
from recommendations.testing.clusters import interactions_add, listing

pytestmark = pytest.mark.django_db


def codes(body) -> list[str]:
    return [row["item_code"] for row in body["recommendations"]]


def reasons(body) -> list[str]:
    return [row["reason"] for row in body["recommendations"]]


@pytest.fixture
def reader(clusters):
    """A new user who bought three books (enough for a personalized list) after the model was trained."""
    user = User.objects.create(username="new-reader")
    return user


def buy(clusters, user, *codes_):
    interactions_add(user, [clusters.items[code] for code in codes_])


# -- personalized ---------------------------------------------------------------------------------
def test_a_user_with_enough_history_gets_their_clusters_items_first_explained(api, clusters, reader, train):
    version = train()
    buy(clusters, reader, "a1", "a2", "a3")

    body = listing(api, reader.pk, limit=2)

    assert body["model_version"] == version.pk
    assert sorted(codes(body)) == ["a4", "a5"]
    for reason in reasons(body):
        assert reason == "personalized" or reason in {"similar_to:a1", "similar_to:a2", "similar_to:a3"}
    assert reasons(body)[0].startswith("similar_to:")  # kNN can name the history item behind it


def test_popular_items_fill_the_places_the_model_cannot(api, clusters, reader, train):
    train()
    buy(clusters, reader, "a1", "a2", "a3")

    body = listing(api, reader.pk, limit=10)

    # kNN has evidence for the two unseen books only; the rest is music by popularity.
    assert sorted(codes(body)[:2]) == ["a4", "a5"]
    assert codes(body)[2:] == ["b1", "b2", "b3", "b4", "b5"]
    assert reasons(body)[2:] == ["popular"] * 5


def test_a_hybrid_model_serves_the_cluster_too(api, clusters, reader, train):
    version = train("hybrid")
    buy(clusters, reader, "a1", "a2", "a3")

    body = listing(api, reader.pk, limit=3)

    assert body["model_version"] == version.pk
    assert sorted(codes(body)[:2]) == ["a4", "a5"]
    assert codes(body)[2].startswith("b")
    # The explanation comes from the hybrid's neighbourhood component.
    assert reasons(body)[0].startswith("similar_to:a")


# -- cold users -----------------------------------------------------------------------------------
def test_a_user_with_little_history_gets_popular_items_biased_to_their_categories(api, clusters, reader, train):
    version = train()
    buy(clusters, reader, "a1")

    body = listing(api, reader.pk, limit=5)

    # Books count double: a2 .72, a3 .64, b1 .60, a4 .56, b2 .55 (plain popularity would start b1 b2 b3).
    assert codes(body) == ["a2", "a3", "b1", "a4", "b2"]
    assert set(reasons(body)) == {"popular"}
    assert body["model_version"] == version.pk


def test_a_user_without_history_is_biased_to_their_preferred_categories(api, clusters):
    fan = User.objects.create(username="fan", preferences={"categories": ["books"]})

    assert codes(listing(api, fan.pk, limit=4)) == ["a1", "a2", "a3", "b1"]
    assert codes(listing(api, 987654, limit=3)) == ["b1", "b2", "b3"]


def test_the_list_is_never_empty_while_active_items_exist(api, clusters, reader, train):
    train()
    buy(clusters, reader, *clusters.items)  # has seen everything

    body = listing(api, reader.pk, limit=3)

    assert len(body["recommendations"]) == 3


# -- filters --------------------------------------------------------------------------------------
def test_category_filters_the_personalized_list_and_its_backfill(api, clusters, reader, train):
    train()
    buy(clusters, reader, "a1", "a2", "a3")

    assert sorted(codes(listing(api, reader.pk, category="books"))) == ["a4", "a5"]
    assert codes(listing(api, reader.pk, category="music")) == ["b1", "b2", "b3", "b4", "b5"]


def test_exclude_takes_repeated_and_comma_separated_ids(api, clusters, reader, train):
    train()
    buy(clusters, reader, "a1", "a2", "a3")
    a4, a5, b1 = clusters.ids("a4", "a5", "b1")

    assert codes(listing(api, reader.pk, limit=2, exclude=a4)) == ["a5", "b1"]
    assert codes(listing(api, reader.pk, limit=2, exclude=f"{a4},{a5}")) == ["b1", "b2"]
    response = api.get(f"/recommendations/{reader.pk}?limit=2&exclude={a4}&exclude={a5},{b1}")
    assert codes(response.json()) == ["b2", "b3"]


def test_include_seen_offers_history_items_again(api, clusters, reader, train):
    train()
    buy(clusters, reader, "a1", "a2", "a3")

    assert {"a1", "a2", "a3"} <= set(codes(listing(api, reader.pk, include_seen="true", limit=5)))
    assert not {"a1", "a2", "a3"} & set(codes(listing(api, reader.pk, limit=100)))


def test_an_item_deactivated_after_training_is_never_recommended(api, clusters, reader, train):
    train()
    buy(clusters, reader, "a1", "a2", "a3")
    clusters.items["a4"].is_active = False
    clusters.items["a4"].save()

    found = codes(listing(api, reader.pk, limit=100))

    assert found[0] == "a5" and "a4" not in found


def test_an_item_deactivated_through_the_api_leaves_cached_lists_too(
    api, clusters, reader, train, django_capture_on_commit_callbacks
):
    train()
    buy(clusters, reader, "a1", "a2", "a3")
    assert "a4" in codes(listing(api, reader.pk))  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(f"/items/{clusters.items['a4'].pk}", {"is_active": False}, format="json")
    assert response.status_code == 200

    assert "a4" not in codes(listing(api, reader.pk))


def test_re_saving_an_inactive_item_keeps_cached_lists(api, clusters, reader, train,
                                                       django_capture_on_commit_callbacks):
    train()
    buy(clusters, reader, "a1", "a2", "a3")
    item = clusters.items["a5"]
    item.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        item.save()
    listing(api, reader.pk)  # cached after the deactivation

    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"/items/{item.pk}", {"name": "renamed"}, format="json")

    assert api.get(f"/recommendations/{reader.pk}").json()["cached"] is True


# -- real time ------------------------------------------------------------------------------------
def test_a_new_interaction_changes_the_next_list_without_retraining(
    api, clusters, reader, train, django_capture_on_commit_callbacks
):
    train()
    buy(clusters, reader, "a1", "a2")
    before = listing(api, reader.pk, limit=3)
    assert set(reasons(before)) == {"popular"}  # two interactions: not enough for the model yet

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/interactions", {"user_id": reader.pk, "item_id": clusters.items["a3"].pk, "interaction_type": "like"},
            format="json",
        )
    assert response.status_code == 201

    after = listing(api, reader.pk, limit=3)
    assert after["cached"] is False
    assert sorted(codes(after)[:2]) == ["a4", "a5"] and reasons(after)[0].startswith("similar_to:")
    assert codes(after) != codes(before)


def test_recomm_id_comes_back_on_a_cached_hit_and_is_stored_with_an_interaction(
    api, clusters, reader, train
):
    train()
    buy(clusters, reader, "a1", "a2", "a3")
    first = listing(api, reader.pk)
    second = listing(api, reader.pk, limit=2)

    assert first["cached"] is False and second["cached"] is True
    assert second["recomm_id"] == first["recomm_id"] and len(first["recomm_id"]) == 32
    assert second["model_version"] == first["model_version"]

    item_id = first["recommendations"][0]["item_id"]
    response = api.post(
        "/interactions",
        {"user_id": reader.pk, "item_id": item_id, "interaction_type": "click", "recomm_id": first["recomm_id"]},
        format="json",
    )
    assert response.status_code == 201 and response.json()["recomm_id"] == first["recomm_id"]
    assert Interaction.objects.get(pk=response.json()["id"]).recomm_id == first["recomm_id"]


# -- new items ------------------------------------------------------------------------------------
def test_an_item_added_after_training_gets_a_new_place_in_matching_lists(api, clusters, reader, train,
                                                                         item_factory):
    train()
    buy(clusters, reader, "a1", "a2", "a3")
    fresh_book = item_factory(item_code="a-new", category=clusters.items["a1"].category)
    item_factory(item_code="other-new", category="garden")  # not a category the reader has shown interest in

    body = listing(api, reader.pk, limit=5)

    assert codes(body)[2] == "a-new" and reasons(body)[2] == "new"
    assert "other-new" not in codes(body)
    scores = [row["score"] for row in body["recommendations"]]
    assert scores == sorted(scores, reverse=True)
    assert fresh_book.pk in [row["item_id"] for row in body["recommendations"]]


def test_no_place_is_given_when_new_item_slots_is_zero(api, clusters, reader, train, item_factory, settings):
    settings.NEW_ITEM_SLOTS = 0
    train()
    buy(clusters, reader, "a1", "a2", "a3")
    item_factory(item_code="a-new", category=clusters.items["a1"].category)

    assert "new" not in reasons(listing(api, reader.pk, limit=5))
