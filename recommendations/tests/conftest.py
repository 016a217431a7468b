"""Fixtures for tests that train and serve a real model on tiny two-cluster data."""
from __future__ import annotations

import pytest

from recengine.testing.clusters import Clusters, clusters_create


@pytest.fixture
def model_dir(settings, tmp_path):
    """Artifacts go to a throwaway folder, never to the project's models/."""
    settings.MODEL_PATH = tmp_path / "models" / "recommender.joblib"
    return settings.MODEL_PATH.parent


@pytest.fixture
def clusters(db) -> Clusters:
    return clusters_create()


@pytest.fixture
def train(model_dir, django_capture_on_commit_callbacks):
    """train(algorithm) -> an activated ModelVersion, announced to the serving processes like in production."""
    from recommendations.training import model_train

    def _train(algorithm: str = "itemknn", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return model_train(algorithm=algorithm, activate=True, **kwargs)

    return _train
