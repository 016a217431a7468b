import hashlib
import hmac
import logging
import mmap
import os

import numpy as np
import pytest
from scipy import sparse

from recommendations.engine import artifacts
from recommendations.engine.als import ALS
from recommendations.engine.artifacts import load_artifact, save_artifact
from recommendations.engine.base import Recommender
from recommendations.engine.content import ContentTFIDF
from recommendations.engine.data import build_csr
from recommendations.engine.ease import EASE
from recommendations.engine.hybrid import Hybrid
from recommendations.engine.itemknn import ItemKNN
from recommendations.engine.popularity import Popularity
from recommendations.engine.rp3beta import RP3beta

from .conftest import N_ITEMS

KEY = b"test-key"


@pytest.fixture
def saved(tmp_path, clusters):
    model = ItemKNN(top_k=5).fit(clusters)
    path = tmp_path / "models" / "knn.joblib"
    model.save(path, key=KEY, item_ids=np.array(["a", "b", "c"]), metrics={"ndcg": 0.5})
    return model, path


@pytest.fixture
def map_everything(monkeypatch):
    """Every non-empty array goes to the data section, so the tiny test models exercise the mapping."""
    monkeypatch.setattr(artifacts, "ARRAY_MIN_BYTES", 1)


def mapped_file_behind(array: np.ndarray) -> bool:
    """Whether the array's memory is (a view of) a read-only mmap: follow .base down to the buffer."""
    base = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return isinstance(base, mmap.mmap)


def arrays_in(obj, seen=None) -> list[np.ndarray]:
    """The ndarrays a model holds: attributes, dict values, and the three arrays of sparse matrices."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [obj]
    if sparse.issparse(obj):
        return [obj.data, obj.indices, obj.indptr]
    values = obj.values() if isinstance(obj, dict) else vars(obj).values() if hasattr(obj, "__dict__") else []
    return [array for value in values for array in arrays_in(value, seen)]


def test_round_trip_keeps_scores_and_metadata(saved):
    model, path = saved
    art = ItemKNN.load(path, key=KEY)
    np.testing.assert_array_equal(art.model.score([0, 1]), model.score([0, 1]))
    assert list(art.item_ids) == ["a", "b", "c"]
    assert art.metrics == {"ndcg": 0.5} and art.params["top_k"] == 5
    assert art.format_version == artifacts.FORMAT_VERSION == 3
    assert [p.name for p in path.parent.iterdir()] == ["knn.joblib"]  # no temp file left behind


# -- every model through a version-2 file ---------------------------------------------------------
def _models(X, item_text):
    return {
        "popularity": lambda: Popularity().fit(X, categories=np.arange(N_ITEMS) % 2),
        "itemknn": lambda: ItemKNN(top_k=5).fit(X),
        "rp3beta": lambda: RP3beta(alpha=1.0, beta=0.5, top_k=5).fit(X),
        "ease": lambda: EASE(lambda_=1.0).fit(X),
        "als": lambda: ALS(factors=2, regularization=0.1, alpha=10.0, iterations=30, random_state=0).fit(X),
        "content": lambda: ContentTFIDF(top_k=4).fit(X, **item_text),
        "content_index": lambda: ContentTFIDF(top_k=0).fit(X, **item_text),  # scores through T itself
        "hybrid": lambda: Hybrid({"ease": EASE(lambda_=1.0), "knn": ItemKNN(top_k=5),
                                  "rp3": RP3beta(top_k=5), "als": ALS(factors=2, iterations=5)}).fit(X),
    }


MODEL_NAMES = ["popularity", "itemknn", "rp3beta", "ease", "als", "content", "content_index", "hybrid"]


def assert_same_results(loaded, model, H):
    for history in ([0, 1], [4], [8], []):
        np.testing.assert_array_equal(loaded.score(history), model.score(history))
        for got, want in zip(loaded.recommend(history, k=4), model.recommend(history, k=4)):
            np.testing.assert_array_equal(got, want)
    allowed = np.arange(N_ITEMS) % 2 == 1
    for got, want in zip(loaded.recommend([0, 1], k=3, exclude=[3], allowed_mask=allowed),
                         model.recommend([0, 1], k=3, exclude=[3], allowed_mask=allowed)):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(loaded.score_users(H), model.score_users(H))
    if type(model).similar_items is not Recommender.similar_items:  # popularity and hybrid have none
        for item in range(N_ITEMS):
            for got, want in zip(loaded.similar_items(item, k=3), model.similar_items(item, k=3)):
                np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_scores_the_same_from_read_only_mapped_arrays(name, clusters, item_text, tmp_path,
                                                                  map_everything):
    model = _models(clusters, item_text)[name]()
    path = save_artifact(tmp_path / f"{name}.bin", model, key=KEY, item_ids=np.arange(N_ITEMS) + 100)

    art = load_artifact(path, key=KEY)

    held = arrays_in(art.model)
    assert held and all(type(a) is np.ndarray and not a.flags.writeable and mapped_file_behind(a) for a in held)
    assert mapped_file_behind(art.item_ids) and list(art.item_ids) == list(range(100, 100 + N_ITEMS))
    assert_same_results(art.model, model, clusters)
    if name == "popularity":
        for got, want in zip(art.model.top_items(3, category=1), model.top_items(3, category=1)):
            np.testing.assert_array_equal(got, want)
    W = getattr(art.model, "W", None)
    if W is not None:  # what recommendations.serving.policy does to explain a list
        rows, cols = np.array([1, 0]), np.array([3, 2, 5])
        np.testing.assert_array_equal(W[rows][:, cols].toarray(), model.W[rows][:, cols].toarray())


def test_with_the_default_threshold_only_large_arrays_are_mapped(tmp_path):
    rng = np.random.default_rng(0)
    X = build_csr(rng.integers(0, 400, 6000), rng.integers(0, 300, 6000), n_users=400, n_items=300)
    model = EASE(lambda_=10.0).fit(X)  # B: 300 x 300 float32 = 360 KB; kept/position: 2.4 KB each
    path = save_artifact(tmp_path / "ease.bin", model, key=KEY)

    loaded = load_artifact(path, key=KEY).model

    assert mapped_file_behind(loaded.B) and not loaded.B.flags.writeable
    assert loaded.position.flags.writeable and not mapped_file_behind(loaded.position)
    np.testing.assert_array_equal(loaded.score_users(X[:20]), model.score_users(X[:20]))
    assert path.stat().st_size < model.B.nbytes + 64 * 1024


def test_mapped_arrays_outlive_the_file(tmp_path, map_everything, clusters):
    model = ItemKNN(top_k=5).fit(clusters)
    path = save_artifact(tmp_path / "knn.bin", model, key=KEY)
    loaded = load_artifact(path, key=KEY).model
    path.unlink()  # what cleanup does to an old version; a new save os.replace()s it the same way
    np.testing.assert_array_equal(loaded.score([0, 1]), model.score([0, 1]))


def test_mmap_false_gives_private_writable_copies(tmp_path, map_everything, clusters):
    model = EASE(lambda_=1.0).fit(clusters)
    path = save_artifact(tmp_path / "ease.bin", model, key=KEY)

    loaded = load_artifact(path, key=KEY, mmap=False).model

    for array in arrays_in(loaded):
        assert array.flags.writeable and array.flags.owndata and not mapped_file_behind(array)
    loaded.B[0, 0] = 42.0  # a caller that mutates is the reason for mmap=False
    np.testing.assert_array_equal(load_artifact(path, key=KEY).model.B, model.B)


def test_layout_dtypes_orders_and_shared_objects(tmp_path, map_everything):
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    payload = {
        "c": base, "f": np.asfortranarray(base), "strided": base[:, ::2], "same": base,
        "f16": base.astype(np.float16), "big_endian": base.astype(">i4"), "bool": base > 5,
        "text": np.array(["apple", "car"]), "dates": np.array(["2024-01-01", "2025-06-30"], "datetime64[s]"),
        "scalar": np.array(3.5), "empty": np.empty((0, 3)), "objects": np.array([{"a": 1}, None], dtype=object),
    }
    path = save_artifact(tmp_path / "mix.bin", payload, key=KEY)

    got = load_artifact(path, key=KEY).model

    for name, value in payload.items():
        if value.dtype == object:
            assert list(got[name]) == list(value)
        else:
            np.testing.assert_array_equal(got[name], value)
            assert got[name].dtype == value.dtype
    assert got["f"].flags.f_contiguous and not got["f"].flags.writeable
    assert got["same"] is got["c"]  # one block, and one object again
    assert got["objects"].flags.writeable  # object arrays stay pickled
    data = path.read_bytes()
    length = int.from_bytes(data[artifacts._HEADER_LEN:artifacts._HEADER_LEN + 8], "little")
    start = artifacts._HEADER_LEN + 8 + length
    assert data[start:start + (-start % 64)] == b"\0" * (-start % 64)
    for name in ("c", "f", "strided", "f16"):
        address = got[name].__array_interface__["data"][0]
        assert address % 64 == 0  # the mapping is page aligned, so file offsets are too


def test_identity_inside_models_survives(tmp_path, map_everything, clusters):
    model = RP3beta(top_k=5).fit(clusters)
    loaded = load_artifact(save_artifact(tmp_path / "rp3.bin", model, key=KEY), key=KEY).model
    assert loaded.W is loaded.neighbours


# -- old files --------------------------------------------------------------------------------------
def write_like_version_1(path, payload, key):
    """The version-1 writer as it was: header, then joblib bytes; HMAC over everything after the header."""
    import joblib

    with open(path, "w+b") as handle:
        handle.write(b"\0" * artifacts._HEADER_LEN)
        joblib.dump(payload, handle, compress=0)
        handle.seek(artifacts._HEADER_LEN)
        digest = hmac.new(key, handle.read(), hashlib.sha256).hexdigest()
        handle.seek(0)
        handle.write(b"RECENGINE-ARTIFACT 00000001 " + digest.encode() + b"\n")


def test_a_version_1_file_still_loads(tmp_path, clusters):
    model = EASE(lambda_=1.0).fit(clusters)
    path = tmp_path / "old.joblib"
    write_like_version_1(path, {"format_version": 1, "model": model, "created_at": 1.0,
                                "item_ids": np.arange(N_ITEMS), "params": model.get_params(), "metrics": {}}, KEY)

    art = load_artifact(path, key=KEY)

    assert art.format_version == 1 and art.created_at == 1.0 and list(art.item_ids) == list(range(N_ITEMS))
    assert art.model.B.flags.writeable  # version 1 loads into private memory
    assert_same_results(art.model, model, clusters)
    assert load_artifact(path, key=KEY, expected_version=2) is None
    assert load_artifact(path, key=KEY, expected_version=1) is not None


def test_save_can_still_write_version_1(tmp_path, clusters):
    model = ItemKNN(top_k=5).fit(clusters)
    path = save_artifact(tmp_path / "v1.joblib", model, key=KEY, version=1)
    art = load_artifact(path, key=KEY)
    assert art.format_version == 1
    np.testing.assert_array_equal(art.model.score([0, 1]), model.score([0, 1]))
    assert load_artifact(save_artifact(tmp_path / "v2.bin", model, key=KEY), key=KEY, expected_version=1) is None


def test_every_part_of_an_artifact_has_a_field_of_its_own(tmp_path, clusters):
    model = ItemKNN(top_k=5).fit(clusters)
    content = ContentTFIDF(top_k=0).fit(clusters, names=[f"item {i}" for i in range(N_ITEMS)], cold_items=[2])
    transform = {"method": "sqrt", "scale": 2.0}
    written = artifacts.Artifact(model=model, item_ids=np.arange(N_ITEMS) + 100, weight_transform=transform,
                                 content_index=content, algorithm="itemknn", params=model.get_params())

    art = load_artifact(written.save(tmp_path / "v3.bin", key=KEY), key=KEY)

    assert (art.format_version, art.algorithm, art.weight_transform) == (3, "itemknn", transform)
    assert art.content_index.cold_items.tolist() == [2] and art.content_index.n_items == N_ITEMS
    np.testing.assert_allclose(art.history_weights([16.0]), [2.0])
    assert_same_results(art.model, model, clusters)


def test_a_version_2_file_moves_the_parts_training_attached_to_the_model_into_the_artifact(
        tmp_path, clusters, caplog):
    model = ItemKNN(top_k=5).fit(clusters)
    model.weight_transform = {"method": "log1p", "scale": 1.5}  # how training stored them before version 3
    model.content_index = ContentTFIDF(top_k=0).fit(clusters, names=[f"item {i}" for i in range(N_ITEMS)])
    path = save_artifact(tmp_path / "v2.bin", model, key=KEY, item_ids=np.arange(N_ITEMS), version=2)

    with caplog.at_level(logging.INFO, logger="recommendations.engine.artifacts"):
        art = load_artifact(path, key=KEY)

    assert art.format_version == 2 and art.weight_transform == {"method": "log1p", "scale": 1.5}
    assert isinstance(art.content_index, ContentTFIDF)
    assert "weight_transform" not in vars(art.model) and "content_index" not in vars(art.model)
    assert "format 2" in caplog.text


def test_a_file_of_a_newer_format_is_refused_with_a_line_that_says_so(tmp_path, clusters, caplog):
    path = save_artifact(tmp_path / "v4.bin", ItemKNN(top_k=5).fit(clusters), key=KEY, version=4)

    with caplog.at_level(logging.WARNING):
        assert load_artifact(path, key=KEY) is None

    assert "format version 4, this code reads 1, 2, 3" in caplog.text


# -- bad files --------------------------------------------------------------------------------------
def test_missing_file_gives_none_and_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert load_artifact(tmp_path / "nope.joblib", key=KEY) is None
    assert "missing" in caplog.text


def test_incompatible_version_gives_none(saved, caplog):
    _, path = saved
    save_artifact(path, {"x": 1}, key=KEY, version=99)
    with caplog.at_level(logging.WARNING):
        assert load_artifact(path, key=KEY) is None
        assert load_artifact(path, key=KEY, expected_version=99) is None  # a version this code cannot read
    assert "format version 99" in caplog.text


def test_corrupt_file_gives_none(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert load_artifact(path, key=KEY) is None
    path.write_bytes(b"garbage")
    assert load_artifact(path, key=KEY) is None


@pytest.fixture
def big(tmp_path):
    """A version-2 file whose data section holds a 256 KB array."""
    payload = {"B": np.arange(256 * 256, dtype=np.float32).reshape(256, 256)}
    path = save_artifact(tmp_path / "big.bin", payload, key=KEY)
    assert load_artifact(path, key=KEY) is not None
    return path


def test_a_tampered_byte_in_the_array_section_gives_none(big, caplog):
    data = bytearray(big.read_bytes())
    data[-1000] ^= 0x01  # inside the raw bytes of B
    big.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        assert load_artifact(big, key=KEY) is None
    assert "HMAC" in caplog.text


@pytest.mark.parametrize("keep", [0, 50, artifacts._HEADER_LEN, artifacts._HEADER_LEN + 4,
                                  artifacts._HEADER_LEN + 20, -1000, -1])
def test_a_truncated_file_gives_none(big, keep):
    data = big.read_bytes()
    big.write_bytes(data[:keep])
    assert load_artifact(big, key=KEY) is None


def test_a_huge_pickle_length_is_refused_without_reading(big, caplog):
    data = bytearray(big.read_bytes())
    data[artifacts._HEADER_LEN:artifacts._HEADER_LEN + 8] = (2**62).to_bytes(8, "little")
    big.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        assert load_artifact(big, key=KEY) is None
    assert "truncated" in caplog.text


def test_wrong_key_is_rejected_before_unpickling(saved, caplog, monkeypatch):
    _, path = saved
    import joblib

    monkeypatch.setattr(joblib, "load", lambda *a, **k: pytest.fail("unpickled an unverified file"))
    monkeypatch.setattr(artifacts, "_unpickle_v2", lambda *a, **k: pytest.fail("unpickled an unverified file"))
    with caplog.at_level(logging.WARNING):
        assert load_artifact(path, key=b"another-key") is None
    assert "HMAC" in caplog.text


def test_a_wrong_key_rejects_version_1_files_too(tmp_path, clusters, monkeypatch):
    import joblib

    path = save_artifact(tmp_path / "v1.joblib", ItemKNN(top_k=5).fit(clusters), key=KEY, version=1)
    monkeypatch.setattr(joblib, "load", lambda *a, **k: pytest.fail("unpickled an unverified file"))
    assert load_artifact(path, key=b"another-key") is None


@pytest.mark.parametrize("reference", [
    ("recengine-array", "<f4", (256, 256), "C", 1 << 30, 256 * 256 * 4),   # beyond the end of the file
    ("recengine-array", "<f4", (256, 256), "C", 0, 999),                   # size does not match the shape
    ("recengine-array", "|O", (256, 256), "C", 0, 256 * 256 * 8),          # object dtype
    ("recengine-array", "<f4", (256, 256), "C", 4, 256 * 256 * 4),         # misaligned
    ("recengine-array", "<f4", (256, -256), "C", 0, 256 * 256 * 4),        # negative dimension
    ("recengine-array", "<f4", (256, 256), "X", 0, 256 * 256 * 4),         # unknown order
    ("something-else", "<f4", (256, 256), "C", 0, 256 * 256 * 4),
    "recengine-array",
])
def test_only_well_formed_array_references_are_resolved(tmp_path, monkeypatch, caplog, reference):
    """Even a correctly signed file cannot make persistent_load read outside the data section."""
    real = artifacts._ArrayPickler.persistent_id

    def forged(self, obj):
        return reference if real(self, obj) is not None else None

    monkeypatch.setattr(artifacts._ArrayPickler, "persistent_id", forged)
    path = save_artifact(tmp_path / "forged.bin", {"B": np.zeros((256, 256), np.float32)}, key=KEY)
    monkeypatch.undo()
    with caplog.at_level(logging.WARNING):
        assert load_artifact(path, key=KEY) is None
    assert "could not be read" in caplog.text


# -- atomic write -------------------------------------------------------------------------------------
class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("cannot pickle this")


@pytest.mark.parametrize("failure", ["pickling", "fsync"])
def test_a_failed_save_leaves_no_temp_file_and_the_old_file_intact(saved, monkeypatch, failure):
    model, path = saved
    before = path.read_bytes()
    payload = {"B": np.zeros((256, 256), np.float32), "x": Unpicklable() if failure == "pickling" else 1}
    if failure == "fsync":
        def broken_fsync(fd):
            raise OSError("disk full")

        monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises((RuntimeError, OSError)):
        save_artifact(path, payload, key=KEY)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert path.read_bytes() == before
