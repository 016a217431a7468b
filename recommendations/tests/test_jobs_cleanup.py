"""Artifact cleanup keeps the newest N versions' files and the active one's."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from recommendations.lifecycle.jobs import artifacts_cleanup as cleanup
from recommendations.lifecycle.registry import model_version_activate
from recommendations.lifecycle.training import model_train
from recommendations.models import ModelVersion
from recommendations.tasks import artifacts_cleanup

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_versions(clusters, model_dir) -> list[ModelVersion]:
    """Five ready versions, oldest first; the second oldest is active (a rollback)."""
    versions = [model_train(algorithm="popularity") for _ in range(5)]
    model_version_activate(version_id=versions[1].pk)
    return versions


def test_cleanup_keeps_the_last_n_and_the_active_one(five_versions, celery_eager):
    oldest, active, middle, newer, newest = five_versions

    result = artifacts_cleanup.delay(keep=2).get()

    assert result["removed"] == [oldest.pk, middle.pk]
    assert result["kept"] == sorted([active.pk, newer.pk, newest.pk])
    for version in (oldest, middle):
        path = Path(version.artifact_path)
        version.refresh_from_db()
        assert not path.exists() and version.artifact_path == ""
        assert version.status == ModelVersion.Status.READY and "deleted by cleanup" in version.notes
    for version in (active, newer, newest):
        assert Path(version.artifact_path).is_file()
        version.refresh_from_db()
        assert version.artifact_path and not version.notes


def test_cleanup_twice_changes_nothing_more(five_versions):
    cleanup(keep=2)

    assert cleanup(keep=2).removed == []


def test_a_cleaned_version_cannot_be_activated(five_versions):
    cleanup(keep=2)

    with pytest.raises(ValueError, match=f"Model version {five_versions[0].pk} has no artifact file"):
        model_version_activate(version_id=five_versions[0].pk)


def test_keep_zero_still_keeps_the_active_version(five_versions):
    result = cleanup(keep=0)

    assert result.kept == [five_versions[1].pk] and len(result.removed) == 4


def test_cleanup_removes_temporary_files_of_killed_saves(five_versions, model_dir):
    stale = model_dir / ".recommender-v99-itemknn.joblib.k2j4.tmp"
    fresh = model_dir / ".recommender-v100-itemknn.joblib.x9q1.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"half an artifact")
    two_hours_ago = time.time() - 2 * 60 * 60
    os.utime(stale, (two_hours_ago, two_hours_ago))

    assert cleanup(keep=5).temp_files == 1

    assert not stale.exists() and fresh.exists()  # a save may still be writing the fresh one
