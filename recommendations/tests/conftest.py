"""Fixtures for the recommendations tests (clusters and train live in the root conftest)."""
from __future__ import annotations

import pytest


@pytest.fixture
def model_dir(settings):
    """The throwaway folder model artifacts go to (the root conftest points MODEL_PATH there)."""
    return settings.MODEL_PATH.parent
