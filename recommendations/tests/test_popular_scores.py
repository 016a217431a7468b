"""The score of a "popular" row is the one its list is ordered by (recommendations/serving/popular.py):
in a cold user's list, their categories' items count CATEGORY_BOOST times, and so does their score."""
from __future__ import annotations

import pytest

from accounts.models import User
from recommendations.testing.clusters import POPULARITY, interactions_add, listing

pytestmark = pytest.mark.django_db


def test_a_cold_users_list_shows_the_boosted_scores_it_is_ordered_by(api, clusters, settings):
    settings.CATEGORY_BOOST = 2.0
    reader = User.objects.create(username="one-book")
    interactions_add(reader, [clusters.items["a1"]])

    rows = listing(api, reader.pk, limit=5)["recommendations"]

    # Books count double: a2 .72, a3 .64, b1 .60, a4 .56, b2 .55 (the raw scores would read .36 .32 .60 .28 .55).
    assert [(row["item_code"], row["score"]) for row in rows] == [
        ("a2", pytest.approx(2 * POPULARITY["a2"])), ("a3", pytest.approx(2 * POPULARITY["a3"])),
        ("b1", pytest.approx(POPULARITY["b1"])), ("a4", pytest.approx(2 * POPULARITY["a4"])),
        ("b2", pytest.approx(POPULARITY["b2"])),
    ]
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert {row["reason"] for row in rows} == {"popular"}


def test_without_favourite_categories_the_score_is_the_popularity_score(api, clusters):
    rows = listing(api, 987654, limit=3)["recommendations"]  # an id never seen: no history, no preferences

    assert [(row["item_code"], row["score"]) for row in rows] == [
        (code, pytest.approx(POPULARITY[code])) for code in ("b1", "b2", "b3")
    ]


def test_get_items_popular_keeps_the_plain_popularity_score(api, clusters):
    items = api.get("/items/popular", {"limit": 2}).json()["items"]

    assert [(row["item_code"], row["score"]) for row in items] == [
        ("b1", pytest.approx(POPULARITY["b1"])), ("b2", pytest.approx(POPULARITY["b2"])),
    ]
