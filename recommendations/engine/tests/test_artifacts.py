import logging

import numpy as np
import pytest

from recommendations.engine import artifacts
from recommendations.engine.artifacts import load_artifact, save_artifact
from recommendations.engine.itemknn import ItemKNN

KEY = b"test-key"


@pytest.fixture
def saved(tmp_path, clusters):
    model = ItemKNN(top_k=5).fit(clusters)
    path = tmp_path / "models" / "knn.joblib"
    model.save(path, key=KEY, item_ids=np.array(["a", "b", "c"]), metrics={"ndcg": 0.5})
    return model, path


def test_round_trip_keeps_scores_and_metadata(saved):
    model, path = saved
    art = ItemKNN.load(path, key=KEY)
    np.testing.assert_array_equal(art.model.score([0, 1]), model.score([0, 1]))
    assert list(art.item_ids) == ["a", "b", "c"]
    assert art.metrics == {"ndcg": 0.5} and art.params["top_k"] == 5
    assert [p.name for p in path.parent.iterdir()] == ["knn.joblib"]  # no temp file left behind


def test_missing_file_gives_none_and_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert load_artifact(tmp_path / "nope.joblib", key=KEY) is None
    assert "missing" in caplog.text


def test_incompatible_version_gives_none(saved, caplog):
    _, path = saved
    save_artifact(path, {"x": 1}, key=KEY, version=artifacts.FORMAT_VERSION + 1)
    with caplog.at_level(logging.WARNING):
        assert load_artifact(path, key=KEY) is None
    assert "format version" in caplog.text


def test_corrupt_file_gives_none(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert load_artifact(path, key=KEY) is None
    path.write_bytes(b"garbage")
    assert load_artifact(path, key=KEY) is None


def test_wrong_key_is_rejected_before_unpickling(saved, caplog, monkeypatch):
    _, path = saved
    import joblib

    monkeypatch.setattr(joblib, "load", lambda *a, **k: pytest.fail("unpickled an unverified file"))
    with caplog.at_level(logging.WARNING):
        assert load_artifact(path, key=b"another-key") is None
    assert "HMAC" in caplog.text
