"""The management-command doors of the background jobs: retrain, precompute_recommendations, cleanup_models."""
from __future__ import annotations

import pytest
from django.core.management import CommandError

from recengine.locks import advisory_lock
from recengine.testing.commands import cached_user_ids as cached_ids
from recengine.testing.commands import run_command as run
from recommendations.lifecycle.jobs import RETRAIN_LOCK
from recommendations.lifecycle.training import model_train
from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db


def test_retrain_trains_then_skips_unchanged_data(clusters):
    first = run("retrain", "--algorithm", "itemknn")

    version = ModelVersion.objects.get()
    assert first.startswith("activated: Retrain guard passed") and f"model version: {version.pk}" in first
    assert run("retrain", "--algorithm", "itemknn").startswith(
        f"skipped: no new interactions since model version {version.pk}"
    )
    assert run("retrain", "--algorithm", "itemknn", "--force").startswith("activated:")


def test_retrain_reports_a_concurrent_run(clusters):
    with advisory_lock(RETRAIN_LOCK):
        assert run("retrain") == "skipped: already running\n"


def test_retrain_refuses_an_unknown_algorithm(clusters):
    with pytest.raises(CommandError, match="Retrain failed: Unknown algorithm 'nope'"):
        run("retrain", "--algorithm", "nope", "--force")


def test_precompute_inline_caches_recently_active_users(clusters):
    output = run("precompute_recommendations", "--days", "7", "--chunk-size", "3")

    assert output == "Cached the lists of 8 users active in 7 days.\n"
    assert cached_ids() == {user.pk for user in clusters.readers + clusters.listeners}


def test_precompute_given_user_ids(clusters):
    wanted = [clusters.readers[0].pk, clusters.listeners[1].pk]

    output = run("precompute_recommendations", "--user-ids", *map(str, wanted))

    assert output == "Cached the lists of 2 users.\n" and cached_ids() == set(wanted)


def test_precompute_queue_fans_out_to_the_workers(clusters, celery_eager):
    output = run("precompute_recommendations", "--queue", "--chunk-size", "5")

    assert output == "Queued 2 chunks for 8 users active in 7 days.\n"
    assert len(cached_ids()) == 8  # eager here; test_worker.py runs them on a real worker


def test_cleanup_models_keeps_the_newest(clusters):
    versions = [model_train(algorithm="popularity") for _ in range(3)]

    output = run("cleanup_models", "--keep", "1")

    assert output == f"Deleted the artifacts of: v{versions[0].pk}, v{versions[1].pk}\nKept: v{versions[2].pk}\n"
