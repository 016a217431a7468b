"""Training from the database: interactions -> arrays -> engine model -> artifact -> ModelVersion.

The engine (``recommendations.engine``) knows nothing of Django; this module maps user and item
ids to contiguous indexes, feeds it arrays, writes the artifact and records the version.
"""
from __future__ import annotations

import hashlib
import io
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

from catalog.models import Item
from recommendations.engine.artifacts import Artifact
from recommendations.engine.content import ContentTFIDF
from recommendations.engine.data import Interactions, interactions_transform
from recommendations.lifecycle.algorithms import build_model
from recommendations.lifecycle.registry import model_version_activate
from recommendations.models import ModelVersion

log = logging.getLogger(__name__)

INTERACTIONS_COPY_SQL = (
    "COPY (SELECT user_id, item_id, interaction_value, EXTRACT(EPOCH FROM timestamp)::bigint "
    "FROM recommendations_interaction) TO STDOUT WITH (FORMAT csv)"
)


@dataclass(frozen=True)
class TrainingData:
    """The interaction log as arrays, with the index -> id mappings the artifact keeps."""

    interactions: "object"  # engine.data.Interactions
    user_ids: np.ndarray
    item_ids: np.ndarray
    item_categories: np.ndarray  # category index per item index, -1 for none
    category_names: list[str]

    def fingerprint(self) -> str:
        """Changes whenever the data would train a different model (rows, ids, newest timestamp)."""
        data = self.interactions
        digest = hashlib.sha256()
        for array in (data.users, data.items, data.weights, data.timestamps):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:32]


def training_data_load() -> TrainingData:
    """Read every interaction with one COPY (fast on millions of rows) and index users and items."""
    import pandas as pd

    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        with cursor.copy(INTERACTIONS_COPY_SQL) as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    frame = pd.read_csv(
        buffer, header=None, names=["user", "item", "weight", "ts"],
        dtype={"user": np.int64, "item": np.int64, "weight": np.float32, "ts": np.int64},
    ) if buffer.getbuffer().nbytes else pd.DataFrame({"user": [], "item": [], "weight": [], "ts": []})
    frame = _usable_rows(frame)
    user_ids, user_index = np.unique(frame["user"].to_numpy(np.int64), return_inverse=True)
    item_ids, categories, names = _catalog_arrays()
    item_index = np.searchsorted(item_ids, frame["item"].to_numpy(np.int64))
    interactions = Interactions.from_arrays(
        user_index, item_index, frame["weight"].to_numpy(np.float32), frame["ts"].to_numpy(np.int64),
        n_users=len(user_ids), n_items=len(item_ids),
    )
    return TrainingData(interactions, user_ids, item_ids, categories, names)


def _usable_rows(frame):
    """The interactions training can use, whatever is stored: values that are not finite numbers >= 0
    (NaN, or beyond float32, like 1e39) are left out, and values above INTERACTION_VALUE_MAX are clipped
    to it, each with a warning naming the first rows. Without this one poisoned row would make every
    later fit fail (NaN in the factors)."""
    weights = frame["weight"].to_numpy(np.float32)
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        log.warning("training leaves out %d interaction(s) whose value is not a finite number >= 0, e.g. "
                    "(user, item) %s", int(bad.sum()), _examples(frame[bad]))
        frame = frame[~bad]
        weights = weights[~bad]
    high = weights > settings.INTERACTION_VALUE_MAX
    if high.any():
        log.warning("training clips %d interaction value(s) to INTERACTION_VALUE_MAX (%g), e.g. (user, item) %s",
                    int(high.sum()), settings.INTERACTION_VALUE_MAX, _examples(frame[high]))
        frame = frame.assign(weight=np.minimum(weights, np.float32(settings.INTERACTION_VALUE_MAX)))
    return frame


def _examples(frame, n: int = 5) -> str:
    return ", ".join(f"({user}, {item})" for user, item in frame[["user", "item"]].head(n).itertuples(index=False))


def _catalog_arrays() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every item id (sorted) and its category as an index into a list of category names."""
    rows = list(Item.objects.order_by("id").values_list("id", "category"))
    item_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    names = sorted({r[1] for r in rows if r[1]})
    position = {name: i for i, name in enumerate(names)}
    categories = np.fromiter((position.get(r[1], -1) for r in rows), dtype=np.int64, count=len(rows))
    return item_ids, categories, names


def _catalog_texts(item_ids: np.ndarray) -> tuple[list[str], list[str], list[list[str]]]:
    """(names, categories, tags) aligned with ``item_ids``; empty for an item deleted since."""
    position = {int(item_id): i for i, item_id in enumerate(item_ids.tolist())}
    names: list[str] = [""] * len(item_ids)
    categories: list[str] = [""] * len(item_ids)
    tags: list[list[str]] = [[] for _ in range(len(item_ids))]
    for item_id, name, category, item_tags in Item.objects.values_list("id", "name", "category", "tags").iterator(
            chunk_size=5000):
        i = position.get(item_id)
        if i is not None:
            names[i], categories[i], tags[i] = name or "", category or "", list(item_tags or [])
    return names, categories, tags


def content_index_fit(data: TrainingData):
    """The TF-IDF content index over the catalog the model was trained on, or None without any text.

    Items are indexed as in the model (``data.item_ids``); ``cold_items`` records the ones without
    a single interaction. Serving uses it to place and relate items the model cannot score
    (recommendations/serving/content.py). Neighbour matrices are not built (``top_k=0``): serving
    works on the item vectors, a few MB at 20,000 items.
    """
    if not len(data.item_ids):
        return None
    names, categories, tags = _catalog_texts(data.item_ids)
    counts = np.bincount(data.interactions.items, minlength=len(data.item_ids))
    try:
        return ContentTFIDF(top_k=0).fit(n_items=len(data.item_ids), names=names, categories=categories,
                                         tags=tags, cold_items=np.flatnonzero(counts == 0))
    except ValueError as exc:  # no item has a usable word: no content index, the rest still works
        log.info("no content index for this model: %s", exc)
        return None


def artifact_path_for(version: ModelVersion) -> Path:
    base = settings.MODEL_PATH
    return base.parent / f"{base.stem}-v{version.pk}-{version.algorithm}{base.suffix}"


def signing_key() -> bytes:
    return settings.MODEL_SIGNING_KEY.encode()


def model_train(*, algorithm: str | None = None, params: dict | None = None, activate: bool = False,
                data: TrainingData | None = None, fingerprint: str | None = None) -> ModelVersion:
    """Train one model on every interaction, write its artifact and record a ModelVersion.

    ``fingerprint`` is stored as the version's data_fingerprint instead of ``data.fingerprint()``
    (the retrain job passes its cheap data marker, see jobs.interactions_marker).
    A failure marks the version failed (with the error) and re-raises; the active version is untouched.
    """
    algorithm = algorithm or settings.DEFAULT_ALGORITHM
    model = build_model(algorithm, params)  # fails fast on an unknown name or bad parameters
    data = data or training_data_load()
    if len(data.interactions) == 0:
        raise ValueError("There are no interactions to train on.")
    version = ModelVersion.objects.create(
        algorithm=algorithm, params=model.get_params(), n_users=len(data.user_ids),
        n_items=len(data.item_ids), n_interactions=len(data.interactions),
        data_fingerprint=fingerprint or data.fingerprint(),
    )
    try:
        started = time.perf_counter()
        # Interaction values -> training weights (docs/evaluation.md); the artifact keeps the transform
        # so that request-time histories are weighted the same way.
        interactions, weight_transform = interactions_transform(data.interactions, settings.TRAINING_WEIGHT_TRANSFORM)
        X = interactions.to_csr(half_life_days=settings.RECENCY_HALF_LIFE_DAYS)
        model.fit(X, categories=data.item_categories)
        artifact = Artifact(model=model, item_ids=data.item_ids, weight_transform=weight_transform,
                            content_index=_content_index_or_none(data), algorithm=algorithm,
                            params=model.get_params())
        version.training_seconds = round(time.perf_counter() - started, 3)
        path = artifact_path_for(version)
        path.parent.mkdir(parents=True, exist_ok=True)
        artifact.save(path, key=signing_key())
    except Exception as exc:
        version.status = ModelVersion.Status.FAILED
        version.notes = f"{type(exc).__name__}: {exc}"
        version.save(update_fields=["status", "notes"])
        raise
    version.artifact_path = str(path)
    version.status = ModelVersion.Status.READY
    version.save(update_fields=["artifact_path", "status", "training_seconds"])
    log.info("trained model v%s (%s) in %.1fs", version.pk, algorithm, version.training_seconds)
    if activate:
        model_version_activate(version_id=version.pk)
        version.refresh_from_db()
    return version


def _content_index_or_none(data: TrainingData):
    """content_index_fit, but a failure there costs only the content index, never the model."""
    try:
        return content_index_fit(data)
    except Exception:  # noqa: BLE001 - the collaborative model is still good without it
        log.warning("content index could not be built; new items fall back to the category rule",
                    exc_info=True)
        return None
