"""The popularity task, run eagerly: the same function as ``manage.py update_popularity``."""
from __future__ import annotations

import pytest

from catalog.models import Item
from recengine.locks import advisory_lock
from recommendations.tasks import POPULARITY_LOCK, update_popularity
from recommendations.testing.clusters import clusters_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def clusters(db):
    return clusters_create()


def scores() -> dict[str, float]:
    return dict(Item.objects.values_list("item_code", "popularity_score"))


def test_a_popularity_run_changes_the_scores(clusters, celery_eager):
    Item.objects.update(popularity_score=0.0)

    result = update_popularity.delay().get()

    after = scores()
    assert result["status"] == "done"
    assert max(after.values()) == 1.0 and all(score > 0 for score in after.values())
    assert Item.objects.get(pk=result["top_item_ids"][0]).popularity_score == 1.0


def test_running_it_twice_gives_the_same_scores(clusters, celery_eager):
    update_popularity.delay().get()
    first = scores()

    update_popularity.delay().get()

    assert scores() == first


def test_it_is_skipped_while_another_run_holds_the_lock(clusters, celery_eager):
    Item.objects.update(popularity_score=0.0)

    with advisory_lock(POPULARITY_LOCK):
        result = update_popularity.delay().get()

    assert result == {"status": "skipped", "reason": "already running"}
    assert set(scores().values()) == {0.0}
