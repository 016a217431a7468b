"""The per-process model holder (recommendations/serving/model.py): loading, swapping, broken artifacts."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from accounts.models import User
from recommendations.lifecycle.registry import model_version_activate
from recommendations.serving.model import reset_serving_model, serving_model
from recommendations.testing.clusters import interactions_add, listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(clusters):
    user = User.objects.create(username="new-reader")
    interactions_add(user, [clusters.items[code] for code in ("a1", "a2", "a3")])
    return user


def test_it_serves_nothing_until_a_version_is_active(clusters):
    assert serving_model() is None


def test_it_loads_the_active_version_with_its_item_mapping(clusters, train):
    version = train()

    model = serving_model()

    assert model.version_id == version.pk and model.algorithm == "itemknn"
    assert model.item_ids.tolist() == sorted(item.pk for item in clusters.items.values())
    a1, unknown = clusters.items["a1"].pk, 10**9
    assert model.item_ids[model.indexes_of([unknown, a1])].tolist() == [a1]


def test_it_keeps_the_loaded_model_between_checks(clusters, train):
    train()
    first = serving_model()

    assert serving_model() is first


def test_a_newly_activated_version_is_served_after_a_reset(api, clusters, reader, train):
    v1 = train()
    assert listing(api, reader.pk)["model_version"] == v1.pk

    v2 = train()  # the check interval (5 s by default) has not passed: still v1 in this process
    assert listing(api, reader.pk)["model_version"] == v1.pk
    reset_serving_model()

    body = listing(api, reader.pk)
    assert body["model_version"] == v2.pk and body["cached"] is False  # the v1 list is not served


def test_a_newly_activated_version_is_noticed_at_the_next_check(api, clusters, reader, train, settings,
                                                               django_capture_on_commit_callbacks):
    settings.MODEL_CHECK_INTERVAL = 0
    v1 = train()
    v2 = train()
    assert listing(api, reader.pk)["model_version"] == v2.pk

    with django_capture_on_commit_callbacks(execute=True):  # a rollback, as an operator would do it
        model_version_activate(version_id=v1.pk)

    assert listing(api, reader.pk)["model_version"] == v1.pk


def test_a_missing_artifact_means_popularity_and_a_warning(api, clusters, reader, train, caplog):
    version = train()
    Path(version.artifact_path).unlink()

    with caplog.at_level(logging.WARNING, logger="recommendations"):
        body = listing(api, reader.pk, limit=3)

    assert body["model_version"] is None
    assert [row["reason"] for row in body["recommendations"]] == ["popular"] * 3
    assert any(f"model version {version.pk}" in message for message in caplog.messages)


def test_an_artifact_outside_the_model_folder_is_never_loaded(api, clusters, reader, train, tmp_path, caplog,
                                                                settings):
    version = train()
    elsewhere = tmp_path / "elsewhere" / "model.joblib"  # a valid, signed artifact, just not in MODEL_PATH's folder
    elsewhere.parent.mkdir()
    Path(version.artifact_path).rename(elsewhere)
    # The file itself, and the same file reached from the model folder with "..".
    for sneaky in (str(elsewhere), f"{settings.MODEL_PATH.parent}/../elsewhere/model.joblib"):
        reset_serving_model()
        version.artifact_path = sneaky
        version.save(update_fields=["artifact_path"])

        with caplog.at_level(logging.WARNING, logger="recommendations"):
            body = listing(api, reader.pk, limit=3)

        assert body["model_version"] is None
        assert any("outside MODEL_PATH" in message for message in caplog.messages)


@pytest.mark.parametrize("damage", ["garbage", "flipped_byte", "empty"])
def test_a_corrupt_artifact_means_popularity_and_a_warning(api, clusters, reader, train, caplog, damage):
    version = train()
    path = Path(version.artifact_path)
    if damage == "garbage":
        path.write_bytes(b"not a model at all" * 10)
    elif damage == "flipped_byte":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(b"")

    with caplog.at_level(logging.WARNING, logger="recommendations"):
        body = listing(api, reader.pk, limit=3)

    assert body["model_version"] is None
    assert [row["reason"] for row in body["recommendations"]] == ["popular"] * 3
    assert any(f"model version {version.pk}" in message for message in caplog.messages)


def test_an_artifact_signed_with_another_key_is_refused(api, clusters, reader, train, settings, caplog):
    train()
    settings.MODEL_SIGNING_KEY = "another-key"

    with caplog.at_level(logging.WARNING, logger="recommendations"):
        assert serving_model() is None
    assert "unusable" in caplog.text


def test_the_warning_is_logged_once_per_version_not_per_request(api, clusters, reader, train, caplog, settings):
    settings.MODEL_CHECK_INTERVAL = 0
    version = train()
    Path(version.artifact_path).unlink()

    with caplog.at_level(logging.WARNING, logger="recommendations.serving.model"):
        for _ in range(3):
            serving_model()

    assert len([m for m in caplog.messages if f"model version {version.pk}" in m]) == 1


def test_the_loaded_model_scores_like_the_trained_one(clusters, train):
    train()
    model = serving_model()
    history = model.indexes_of([clusters.items[c].pk for c in ("a1", "a2", "a3")])

    indexes, scores = model.model.recommend(history, np.ones(len(history), np.float32), k=5)

    assert sorted(model.item_ids[indexes].tolist()) == sorted(clusters.ids("a4", "a5"))
    assert (scores > 0).all()
