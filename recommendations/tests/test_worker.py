"""Integration: tasks queued through the real Redis broker and run by a real Celery worker process.

Each test starts ``celery -A recengine worker --pool=prefork --concurrency=2`` on both queues,
pointed at this suite's test database and Redis database (recengine/testing/worker.py), and
stops it afterwards whatever happens. Slow-ish (a few seconds each) but part of the default run.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from django_celery_results.models import TaskResult
from django_redis import get_redis_connection

from catalog.models import Item
from recengine.locks import advisory_lock
from recengine.testing.worker import celery_worker, log_tail, worker_stop
from recommendations.lifecycle.jobs import RETRAIN_LOCK, model_retrain
from recommendations.lifecycle.training import artifact_path_for, model_train
from recommendations.models import ModelVersion
from recommendations.tasks import precompute_recently_active, retrain, update_popularity
from recommendations.testing.clusters import clusters_create
from recommendations.testing.groups import taste_groups_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TASK_TIMEOUT_S = 120


@pytest.fixture
def worker(transactional_db, tmp_path):
    log_path = tmp_path / "worker.log"
    with celery_worker(log_path=log_path) as process:
        yield process
    print(f"--- worker log ---\n{log_tail(log_path)}")  # shown when the test failed


def wait_for(check, *, timeout: float = 60, every: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up after {timeout}s")


def test_a_queued_retrain_produces_a_new_active_version(worker):
    groups = taste_groups_create()

    sent = retrain.delay(algorithm="itemknn")
    outcome = sent.get(timeout=TASK_TIMEOUT_S)

    version = ModelVersion.objects.active().get()
    assert outcome["status"] == "activated" and outcome["version_id"] == version.pk
    assert Path(version.artifact_path).is_file() and version.metrics["guard"]["n_test_users"] == 48
    stored = TaskResult.objects.get(task_id=sent.id)  # what staff see in the admin
    assert (stored.status, stored.task_name) == ("SUCCESS", "recommendations.retrain")
    # The activation queued the precompute fan-out: the new version's lists reach the cache.
    redis = get_redis_connection("default")
    keys = [f"user_rec:{user.pk}" for user in groups.users]
    wait_for(lambda: redis.exists(*keys) == len(keys), timeout=TASK_TIMEOUT_S)
    assert f'"model_version":{version.pk}'.encode() in redis.get(keys[0])


def test_a_queued_popularity_run_changes_the_scores(worker):
    clusters_create()
    Item.objects.update(popularity_score=0.0)

    outcome = update_popularity.delay().get(timeout=TASK_TIMEOUT_S)

    scores = list(Item.objects.values_list("popularity_score", flat=True))
    assert outcome["status"] == "done"
    assert max(scores) == 1.0 and min(scores) > 0


def test_two_retrains_queued_at_once_train_once(worker):
    taste_groups_create()

    sent = [retrain.delay(algorithm="itemknn", force=True) for _ in range(2)]
    outcomes = sorted((result.get(timeout=TASK_TIMEOUT_S) for result in sent), key=lambda o: o["status"])

    assert [o["status"] for o in outcomes] == ["activated", "skipped"]
    assert outcomes[1]["reason"] == "already running"
    assert ModelVersion.objects.count() == 1


def test_the_precompute_fan_out_fills_the_cache_from_the_workers(worker):
    groups = taste_groups_create()
    model_train(algorithm="itemknn", activate=True)
    keys = [f"user_rec:{user.pk}" for user in groups.users]

    outcome = precompute_recently_active.delay(days=7, chunk_size=10).get(timeout=TASK_TIMEOUT_S)

    assert (outcome["status"], outcome["users"], outcome["chunks"]) == ("queued", 48, 5)
    redis = get_redis_connection("default")
    wait_for(lambda: redis.exists(*keys) == len(keys), timeout=TASK_TIMEOUT_S)
    wait_for(lambda: TaskResult.objects.filter(task_name="recommendations.precompute", status="SUCCESS").count() == 5)


def test_a_worker_killed_mid_training_leaves_no_artifact_and_the_next_run_succeeds(worker, settings):
    from recommendations.demo.data import default_end, demo_data_create

    demo_data_create(users=2000, items=2500, interactions=40_000, seed=1, end=default_end())
    retrain.delay(algorithm="ease")
    training = wait_for(lambda: ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).first())

    worker_stop(worker, kill=True)  # kill -9 of the worker and its pool, in the middle of the fit

    training.refresh_from_db()
    assert training.status == ModelVersion.Status.TRAINING and not training.artifact_path
    assert not artifact_path_for(training).exists()
    folder = settings.MODEL_PATH.parent
    leftovers = list(folder.iterdir()) if folder.exists() else []
    assert all(path.name.startswith(".") and path.suffix == ".tmp" for path in leftovers)  # never a half file

    wait_for(_retrain_lock_is_free, timeout=30, every=0.1)  # the killed session's lock died with it
    outcome = model_retrain(algorithm="ease")

    training.refresh_from_db()
    assert outcome.status == "activated"
    assert training.status == ModelVersion.Status.FAILED and training.notes.startswith("Abandoned:")


def _retrain_lock_is_free() -> bool:
    with advisory_lock(RETRAIN_LOCK) as acquired:
        return acquired
