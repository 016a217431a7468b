"""The retrain job and its task, run eagerly on small seeded taste-group data (recommendations/testing/groups.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from recengine.locks import advisory_lock
from recommendations.lifecycle.jobs import RETRAIN_LOCK, model_retrain
from recommendations.models import ModelVersion
from recommendations.tasks import retrain
from recommendations.testing.clusters import interactions_add
from recommendations.testing.groups import taste_groups_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_guard(settings):
    settings.RETRAIN_GUARD_TOLERANCE = 0.0


@pytest.fixture
def groups(db):
    return taste_groups_create()


def queue_retrain(**kwargs) -> dict:
    return retrain.delay(**kwargs).get()


def test_it_trains_and_activates_the_first_version(groups, model_dir, celery_eager):
    result = queue_retrain(algorithm="itemknn")

    version = ModelVersion.objects.get()
    assert result["status"] == "activated" and result["version_id"] == version.pk
    assert version.is_active and version.status == ModelVersion.Status.READY
    assert Path(version.artifact_path).is_file()
    assert version.data_fingerprint.startswith("log:288:")
    guard = version.metrics["guard"]
    assert guard["protocol"] == "leave_last" and guard["n_test_users"] == 48 and guard["baseline"] is None
    assert version.metrics["ndcg@10"] == guard["candidate"]["ndcg"] > 0
    assert "no active version to compare with" in version.notes


def test_it_skips_retrain_when_data_unchanged(groups, model_dir, celery_eager):
    queue_retrain(algorithm="itemknn")

    result = queue_retrain(algorithm="itemknn")

    first = ModelVersion.objects.get()
    assert result["status"] == "skipped"
    assert result["reason"] == f"no new interactions since model version {first.pk} (force to retrain anyway)"


def test_it_retrains_when_an_interaction_arrived(groups, model_dir, celery_eager):
    queue_retrain(algorithm="itemknn")
    interactions_add(groups.readers[0], [groups.books[0]])

    result = queue_retrain(algorithm="itemknn")

    assert result["status"] == "activated"
    assert ModelVersion.objects.count() == 2 and ModelVersion.objects.active().get().pk == result["version_id"]


def test_force_retrains_unchanged_data(groups, model_dir, celery_eager):
    queue_retrain(algorithm="itemknn")

    result = queue_retrain(algorithm="itemknn", force=True)

    assert result["status"] == "activated" and ModelVersion.objects.count() == 2
    assert "same algorithm and parameters" not in result["reason"]  # the note names the verdict, not the remark
    assert ModelVersion.objects.get(pk=result["version_id"]).metrics["guard"]["remark"] == (
        "same algorithm and parameters as the active version"
    )


def test_a_second_retrain_at_the_same_time_is_skipped(groups, model_dir):
    with advisory_lock(RETRAIN_LOCK) as acquired:
        assert acquired
        outcome = model_retrain(algorithm="itemknn", force=True)

    assert (outcome.status, outcome.reason) == ("skipped", "already running")
    assert not ModelVersion.objects.exists()
    assert model_retrain(algorithm="itemknn").status == "activated"  # the lock was released


def test_the_guard_rejects_a_clearly_worse_candidate(groups, model_dir, strict_guard, celery_eager):
    active = ModelVersion.objects.get(pk=queue_retrain(algorithm="itemknn")["version_id"])

    result = queue_retrain(algorithm="popularity", force=True)

    candidate = ModelVersion.objects.get(pk=result["version_id"])
    assert result["status"] == "rejected"
    assert candidate.status == ModelVersion.Status.REJECTED and not candidate.is_active
    assert candidate.notes.startswith("Retrain guard rejected: nDCG@10")
    assert f"active v{active.pk} (itemknn)" in candidate.notes
    guard = candidate.metrics["guard"]
    assert guard["candidate"]["ndcg"] < guard["baseline"]["ndcg"] and guard["baseline"]["version"] == active.pk
    assert guard["passed"] is False and guard["tolerance"] == 0.0
    assert list(ModelVersion.objects.active()) == [active]


def test_the_guard_activates_a_better_candidate(groups, model_dir, strict_guard, celery_eager, train):
    previous = train("popularity")

    result = queue_retrain(algorithm="itemknn")

    candidate = ModelVersion.objects.get(pk=result["version_id"])
    assert result["status"] == "activated" and candidate.is_active
    guard = candidate.metrics["guard"]
    assert guard["passed"] and guard["baseline"]["algorithm"] == "popularity"
    assert guard["candidate"]["ndcg"] > guard["baseline"]["ndcg"]
    assert candidate.notes.startswith("Retrain guard passed: nDCG@10")
    previous.refresh_from_db()
    assert not previous.is_active


def test_the_tolerance_lets_a_slightly_worse_candidate_through(groups, model_dir, settings, celery_eager):
    queue_retrain(algorithm="itemknn")
    settings.RETRAIN_GUARD_TOLERANCE = 1.0  # anything goes

    assert queue_retrain(algorithm="popularity", force=True)["status"] == "activated"


def test_a_failing_training_leaves_the_previous_version_active(groups, model_dir, celery_eager, monkeypatch):
    from recommendations.engine.itemknn import ItemKNN

    active = ModelVersion.objects.get(pk=queue_retrain(algorithm="itemknn")["version_id"])

    def broken_fit(self, X, **context):
        raise RuntimeError("out of memory, say")

    monkeypatch.setattr(ItemKNN, "fit", broken_fit)
    with pytest.raises(RuntimeError, match="out of memory, say"):
        queue_retrain(algorithm="itemknn", force=True)

    failed = ModelVersion.objects.exclude(pk=active.pk).get()
    assert failed.status == ModelVersion.Status.FAILED and failed.notes == "RuntimeError: out of memory, say"
    assert not failed.artifact_path
    assert list(ModelVersion.objects.active()) == [active]


def test_it_marks_a_training_abandoned_by_a_killed_worker_failed(groups, model_dir, celery_eager):
    killed = ModelVersion.objects.create(algorithm="itemknn", data_fingerprint="log:288:288:1")  # status TRAINING
    from_train_command = ModelVersion.objects.create(algorithm="ease", data_fingerprint="3f2a")  # still running

    result = queue_retrain(algorithm="itemknn")

    killed.refresh_from_db()
    from_train_command.refresh_from_db()
    assert killed.status == ModelVersion.Status.FAILED and killed.notes.startswith("Abandoned:")
    assert from_train_command.status == ModelVersion.Status.TRAINING
    assert result["status"] == "activated"


def test_it_skips_when_there_is_nothing_to_train_on(db, model_dir, celery_eager):
    result = queue_retrain()

    assert (result["status"], result["reason"]) == ("skipped", "there are no interactions to train on")
    assert not ModelVersion.objects.exists()


def test_an_activation_warms_the_cache_for_the_new_version(groups, model_dir, celery_eager):
    from django_redis import get_redis_connection

    result = queue_retrain(algorithm="itemknn")

    redis = get_redis_connection("default")
    assert redis.exists(*[f"user_rec:{user.pk}" for user in groups.users]) == len(groups.users)
    assert f'"model_version":{result["version_id"]}'.encode() in redis.get(f"user_rec:{groups.readers[0].pk}")


def test_a_skipped_retrain_leaves_the_cache_alone(groups, model_dir, celery_eager):
    from django_redis import get_redis_connection

    queue_retrain(algorithm="itemknn")
    get_redis_connection("default").flushdb()

    assert queue_retrain(algorithm="itemknn")["status"] == "skipped"
    assert not get_redis_connection("default").keys("user_rec:*")


def test_a_crashing_guard_fails_the_version_and_the_next_run_tries_again(groups, model_dir, monkeypatch):
    def crash(**kwargs):
        raise MemoryError("holdout too big")

    monkeypatch.setattr("recommendations.lifecycle.jobs.guard_evaluate", crash)
    with pytest.raises(MemoryError):
        model_retrain(algorithm="itemknn")
    crashed = ModelVersion.objects.get()
    assert crashed.status == ModelVersion.Status.FAILED and not crashed.is_active
    assert crashed.notes == "Retrain guard could not evaluate the new version: MemoryError: holdout too big"

    monkeypatch.undo()
    assert model_retrain(algorithm="itemknn").status == "activated"  # not "skipped: no new interactions"
