"""The runbook's commands (docs/operations.md): list_models, activate_model, clear_recommendation_cache."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError
from django_redis import get_redis_connection

from recengine.testing.commands import cached_user_ids as cached_ids
from recengine.testing.commands import run_command as run
from recengine.testing.servers import cache_at, free_port
from recommendations.models import ModelVersion
from recommendations.serving.model import serving_model

pytestmark = pytest.mark.django_db


def listing(api, user_id: int) -> dict:
    response = api.get(f"/recommendations/{user_id}", {"limit": 3})
    assert response.status_code == 200, response.content
    return response.json()


# -- list_models -----------------------------------------------------------------------------------
def test_list_models_says_when_there_is_none():
    assert run("list_models") == "No model versions yet: train one with `manage.py train --activate`.\n"


def test_list_models_shows_versions_newest_first_with_the_active_one_marked(clusters, train):
    old = train("itemknn")
    new = train("popularity")
    ModelVersion.objects.filter(pk=old.pk).update(metrics={"ndcg@10": 0.41234}, notes="Retrain guard passed:\nok")

    lines = run("list_models").splitlines()

    assert lines[0].split() == ["id", "algorithm", "status", "active", "trained", "(UTC)", "nDCG@10", "artifact",
                                "notes"]
    assert lines[1].split()[:4] == [str(new.pk), "popularity", "ready", "*"]
    assert lines[2].split()[:3] == [str(old.pk), "itemknn", "ready"]
    assert "0.4123  yes       Retrain guard passed: ok" in lines[2]
    assert len(run("list_models", "--limit", "1").splitlines()) == 2


def test_list_models_refuses_a_limit_below_one():
    with pytest.raises(CommandError, match="--limit must be at least 1, not 0."):
        run("list_models", "--limit", "0")


# -- activate_model --------------------------------------------------------------------------------
def test_activate_model_rolls_back_to_an_older_version_and_the_api_serves_it(
        api, clusters, train, django_capture_on_commit_callbacks):
    old = train("itemknn")
    new = train("popularity")
    reader = clusters.readers[0]
    assert listing(api, reader.pk)["model_version"] == new.pk

    with django_capture_on_commit_callbacks(execute=True):  # the command commits: the version is announced
        output = run("activate_model", str(old.pk))

    assert output.startswith(f"Model version {old.pk} (itemknn) is now active; before: v{new.pk} (popularity).")
    assert "precompute_recommendations --queue" in output
    assert list(ModelVersion.objects.active().values_list("pk", flat=True)) == [old.pk]
    # The web process notices at its next check (MODEL_CHECK_INTERVAL); the cached list of the
    # version served before no longer answers.
    from recommendations.serving.model import reset_serving_model

    reset_serving_model()
    assert serving_model().version_id == old.pk
    again = listing(api, reader.pk)
    assert again["model_version"] == old.pk and again["cached"] is False


def test_activate_model_on_the_active_version_changes_nothing(clusters, train):
    version = train("itemknn")

    assert run("activate_model", str(version.pk)) == f"Model version {version.pk} (itemknn) is already the active one.\n"


@pytest.mark.parametrize("argument, message", [
    ("abc", "VERSION_ID must be a model version's id (an integer), not 'abc'."),
    ("999999", "There is no model version 999999; list_models shows the versions."),
])
def test_activate_model_refuses_what_is_not_a_version(argument, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("activate_model", argument)


@pytest.mark.parametrize("status", [ModelVersion.Status.REJECTED, ModelVersion.Status.FAILED,
                                    ModelVersion.Status.TRAINING])
def test_activate_model_refuses_a_version_that_is_not_ready(clusters, train, status):
    old = train("itemknn")
    other = train("popularity")
    run("activate_model", str(old.pk))
    ModelVersion.objects.filter(pk=other.pk).update(status=status)

    with pytest.raises(CommandError, match=f"Model version {other.pk} is {status.value} and cannot be activated."):
        run("activate_model", str(other.pk))
    assert list(ModelVersion.objects.active().values_list("pk", flat=True)) == [old.pk]


def test_activate_model_refuses_a_version_whose_artifact_is_gone(clusters, train):
    old = train("itemknn")
    new = train("popularity")
    Path(old.artifact_path).unlink()

    with pytest.raises(CommandError, match=f"Model version {old.pk} has no artifact file and cannot be activated."):
        run("activate_model", str(old.pk))
    assert ModelVersion.objects.active().get().pk == new.pk


# -- clear_recommendation_cache --------------------------------------------------------------------
def test_clear_recommendation_cache_makes_every_cached_list_miss(api, clusters, train):
    train("itemknn")
    users = [clusters.readers[0].pk, clusters.listeners[0].pk]
    for user_id in users:
        listing(api, user_id)
    assert all(listing(api, user_id)["cached"] for user_id in users)

    output = run("clear_recommendation_cache")

    assert output == "Every cached list is stale now (catalog epoch 1).\n"
    assert cached_ids() == set(users)  # still stored, never answering: they expire after REDIS_TTL
    assert not any(listing(api, user_id)["cached"] for user_id in users)
    assert all(listing(api, user_id)["cached"] for user_id in users)  # computed and cached again


def test_clear_recommendation_cache_delete_keys_frees_the_memory(api, clusters, train):
    train("itemknn")
    users = [user.pk for user in clusters.readers + clusters.listeners]
    for user_id in users:
        listing(api, user_id)
    get_redis_connection("default").set("recengine:unrelated", 1)

    output = run("clear_recommendation_cache", "--delete-keys")

    assert output.splitlines() == ["Every cached list is stale now (catalog epoch 1).", "Deleted 8 user_rec:* keys."]
    assert cached_ids() == set()
    assert get_redis_connection("default").get("recengine:unrelated") == b"1"


def test_clear_recommendation_cache_for_some_users(api, clusters, train):
    train("itemknn")
    kept, dropped = clusters.readers[0].pk, clusters.listeners[0].pk
    listing(api, kept)
    listing(api, dropped)

    assert run("clear_recommendation_cache", "--user-ids", str(dropped)) == "Dropped the cached lists of 1 user(s).\n"

    assert cached_ids() == {kept}
    assert listing(api, kept)["cached"] is True


def test_clear_recommendation_cache_refuses_delete_keys_with_user_ids():
    with pytest.raises(CommandError, match="--delete-keys deletes every list; give it without --user-ids."):
        run("clear_recommendation_cache", "--user-ids", "1", "--delete-keys")


def test_clear_recommendation_cache_says_when_redis_is_unreachable(settings):
    with cache_at(settings, free_port()), pytest.raises(CommandError, match=r"Redis \(.*\) cannot be reached"):
        run("clear_recommendation_cache")

