"""Lists computed many at a time (precompute, export) equal the ones computed one by one."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from recommendations.serving import cache
from recommendations.serving.history import histories_load
from recommendations.serving.policy import (
    recommendations_compute,
    recommendations_compute_many,
)
from recommendations.serving.query import Query
from recommendations.serving.service import recommend, recommend_many
from recommendations.testing.clusters import interactions_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_users(clusters):
    """Readers and listeners (personalized), one user with a single purchase (popularity) and one with none."""
    one = User.objects.create(username="one-purchase")
    interactions_add(one, [clusters.items["a1"]])
    nothing = User.objects.create(username="no-history")
    return [*clusters.readers, *clusters.listeners, one, nothing]


@pytest.mark.parametrize("algorithm", ["itemknn", "hybrid"])
def test_many_at_once_equals_one_by_one_for_every_kind_of_user_and_filter(clusters, mixed_users, train, algorithm):
    train(algorithm)
    queries = [Query(user.pk, 10) for user in mixed_users]
    queries += [
        Query(clusters.readers[0].pk, 3, categories=("music",)),
        Query(clusters.readers[1].pk, 10, exclude=tuple(clusters.ids("a1", "b1"))),
        Query(clusters.listeners[0].pk, 10, include_seen=True),
        Query(mixed_users[-1].pk, 4, categories=("books",)),
    ]

    together = recommendations_compute_many(queries)
    alone = [recommendations_compute(query) for query in queries]

    assert [r.recommendations for r in together] == [r.recommendations for r in alone]
    assert [(r.model_version, r.source) for r in together] == [(r.model_version, r.source) for r in alone]
    # Not trivially equal: the batch holds personalized, popular and filtered lists.
    sources = {r.source for r in together}
    assert sources == {algorithm, "popularity"}
    assert all(r.recommendations for r in together)


def test_histories_of_many_users_take_one_query_and_keep_newest_first(clusters, mixed_users, settings):
    settings.HISTORY_LIMIT = 2
    ids = [user.pk for user in mixed_users]

    with CaptureQueriesContext(connection) as queries:
        histories = histories_load(ids)
    assert len(queries) == 2  # the histories, and the fields of items this process had not read yet
    with CaptureQueriesContext(connection) as again:
        again_histories = histories_load(ids)
    assert {u: (h.item_ids.tolist(), h.codes, h.categories) for u, h in again_histories.items()} == {
        u: (h.item_ids.tolist(), h.codes, h.categories) for u, h in histories.items()}
    assert len(again) == 1  # the item fields are remembered (recommendations/serving/item_rows.py)

    assert set(histories) == set(ids)
    reader = clusters.readers[0]  # bought a2, a3, a4, a5 in that order (the last one newest)
    assert histories[reader.pk].item_ids.tolist() == clusters.ids("a5", "a4")
    assert histories[reader.pk].codes == {clusters.items["a5"].pk: "a5", clusters.items["a4"].pk: "a4"}
    assert len(histories[mixed_users[-1].pk]) == 0


def test_batch_service_reads_the_cache_once_and_stores_what_the_api_then_serves(api, clusters, mixed_users, train):
    version = train("itemknn")
    ids = [user.pk for user in mixed_users]
    cached_before = recommend(Query(ids[0], 5))  # one list already in the cache

    results = recommend_many([Query(u, 5) for u in ids])

    assert [r.user_id for r in results] == ids
    assert results[0].cached and results[0].recomm_id == cached_before.recomm_id
    assert not any(r.cached for r in results[1:])
    for result in results:
        entry = cache.recommendations_get(user_id=result.user_id)
        assert entry is not None and entry.model_version == version.pk
        body = api.get(f"/recommendations/{result.user_id}", {"limit": 5}).json()
        assert body["recomm_id"] == result.recomm_id  # the API answers from what the batch stored
        assert [row["item_id"] for row in body["recommendations"]] == [r["item_id"] for r in result.recommendations]


def test_batch_service_queries_do_not_grow_with_the_number_of_users(clusters, mixed_users, train):
    train("itemknn")
    ids = [user.pk for user in mixed_users]
    # Loads the model, its new-item snapshot and the fields of every item involved (item_rows.py).
    recommend_many([Query(u, 5) for u in ids])
    cache.recommendations_drop(user_ids=ids)
    with CaptureQueriesContext(connection) as few:
        recommend_many([Query(u, 5) for u in ids[:2]])  # two readers
    cache.recommendations_drop(user_ids=ids)
    with CaptureQueriesContext(connection) as many:
        recommend_many([Query(u, 5) for u in ids[:8]])  # four readers, four listeners

    assert len(many) == len(few)


def test_a_batch_of_filtered_and_plain_queries_answers_each_as_alone(clusters, mixed_users, train):
    train("itemknn")
    reader, listener = clusters.readers[0].pk, clusters.listeners[0].pk
    queries = [
        Query(reader, 5),
        Query(reader, 3, categories=("music",)),
        Query(listener, 4, exclude=tuple(clusters.ids("b1"))),
        Query(listener, 4, include_seen=True),
        Query(reader, 5),  # twice in one batch
    ]

    together = recommend_many(queries)
    alone = [recommend(query) for query in queries]

    assert [r.recommendations for r in together] == [r.recommendations for r in alone]
    assert together[0].recomm_id == together[4].recomm_id  # one list, computed once
    assert [r.cached for r in alone] == [True, True, False, False, True]  # the plain list cached answers
