"""Precomputing cached lists: one chunk of users, and the fan-out over recently active users (eager)."""
from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from django.utils import timezone
from django_redis import get_redis_connection

from recengine.locks import advisory_lock
from recommendations.lifecycle.jobs import PRECOMPUTE_LOCK, recently_active_user_ids
from recommendations.models import Interaction
from recommendations.tasks import precompute, precompute_recently_active

pytestmark = pytest.mark.django_db


def cached(user_id: int) -> dict | None:
    raw = get_redis_connection("default").get(f"user_rec:{user_id}")
    return None if raw is None else orjson.loads(raw)


@pytest.fixture
def one_listener_went_quiet(clusters):
    """listener3's interactions are a month old; everyone else was active within the hour."""
    quiet = clusters.listeners[3]
    Interaction.objects.filter(user=quiet).update(timestamp=timezone.now() - timedelta(days=30))
    return quiet


def test_precompute_fills_the_cache_keys(clusters, train, celery_eager):
    version = train("itemknn")
    readers = [user.pk for user in clusters.readers]

    assert precompute.delay(user_ids=readers).get() == 4

    for user_id in readers:
        entry = cached(user_id)
        assert entry["model_version"] == version.pk and entry["source"] == "itemknn"
        assert entry["recommendations"][0]["category"] == "books"
    assert cached(clusters.listeners[0].pk) is None


def test_precompute_leaves_out_ids_of_no_user(clusters, celery_eager):
    missing = max(user.pk for user in clusters.readers) + 1000

    assert precompute.delay(user_ids=[clusters.readers[0].pk, missing]).get() == 1

    assert cached(missing) is None and cached(clusters.readers[0].pk) is not None


def test_precompute_twice_gives_the_same_list(clusters, train, celery_eager):
    train("itemknn")
    user_id = clusters.readers[0].pk
    precompute.delay(user_ids=[user_id]).get()
    first = cached(user_id)

    precompute.delay(user_ids=[user_id]).get()

    assert cached(user_id) == first


def test_recently_active_users_come_in_ascending_keyset_chunks(clusters, one_listener_went_quiet):
    since = timezone.now() - timedelta(days=7)

    chunks = list(recently_active_user_ids(since=since, chunk_size=3))

    active = sorted(user.pk for user in clusters.readers + clusters.listeners if user != one_listener_went_quiet)
    assert [len(chunk) for chunk in chunks] == [3, 3, 1]
    assert [user_id for chunk in chunks for user_id in chunk] == active


def test_the_fan_out_caches_recently_active_users_only(clusters, one_listener_went_quiet, train, celery_eager):
    train("itemknn")

    result = precompute_recently_active.delay(days=7, chunk_size=3).get()

    assert result == {"status": "queued", "users": 7, "chunks": 3, "computed": 0, "reason": ""}
    assert cached(one_listener_went_quiet.pk) is None
    for user in clusters.readers + clusters.listeners[:3]:
        assert cached(user.pk) is not None


def test_the_fan_out_is_skipped_while_another_runs(clusters, celery_eager):
    with advisory_lock(PRECOMPUTE_LOCK):
        result = precompute_recently_active.delay().get()

    assert (result["status"], result["reason"]) == ("skipped", "already running")
    assert cached(clusters.readers[0].pk) is None
