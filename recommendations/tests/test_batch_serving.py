"""Lists computed many at a time (precompute, export) equal the ones computed one by one."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from recengine.testing.clusters import interactions_add
from recommendations.serving import cache
from recommendations.serving.policy import (
    Query,
    histories_load,
    recommendations_compute,
    recommendations_compute_many,
)
from recommendations.serving.service import (
    recommendations_for_user,
    recommendations_for_users,
)

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
    cached_before = recommendations_for_user(user_id=ids[0], limit=5)  # one list already in the cache

    results = recommendations_for_users(user_ids=ids, limit=5)

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
    recommendations_for_users(user_ids=ids, limit=5)
    cache.recommendations_drop(user_ids=ids)
    with CaptureQueriesContext(connection) as few:
        recommendations_for_users(user_ids=ids[:2], limit=5)  # two readers
    cache.recommendations_drop(user_ids=ids)
    with CaptureQueriesContext(connection) as many:
        recommendations_for_users(user_ids=ids[:8], limit=5)  # four readers, four listeners

    assert len(many) == len(few)
