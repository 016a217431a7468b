"""Content similarity at request time: places for new items, and items like an item the model can't relate.

A collaborative model cannot rank an item nobody has interacted with. The active model's artifact
therefore carries a TF-IDF content index over the catalog it was trained on
(``ServingModel.content_index``, an ``engine.content.ContentTFIDF`` built by training): item vectors
``T`` and the vocabulary and idf weights to vectorise any other item with numpy alone.

*New items* are the active items the model cannot score: added after training (id above the newest
id the model knows) or known but without a single interaction at training (``cold_items``), newest
first, at most ``NEW_ITEMS_CAP``. Each web process keeps a snapshot of them (rows and TF-IDF vectors)
with its loaded model and rebuilds it, in one query, when it is older than
``NEW_ITEMS_REFRESH_SECONDS`` or when the catalog epoch changed (an item was deactivated or deleted,
see recommendations/serving/cache.py). A request then costs one Redis GET (the epoch) and no SQL for new
items: the history's profile (the weighted sum of its items' vectors, unit length) against the
snapshot's vectors is a few hundred sparse dot products.

Nothing here imports scikit-learn.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from scipy import sparse

from catalog.models import Item
from recommendations.serving.cache import CATALOG_EPOCH_KEY
from recommendations.serving.item_rows import ITEM_FIELDS
from recommendations.serving.served_model import ServingModel

log = logging.getLogger(__name__)

# The most new items a process keeps (newest first): the candidates for the "new" places.
NEW_ITEMS_CAP = 500
_COLD_SQL = f"{Item._meta.db_table}.id = ANY(%s::bigint[])"

_lock = threading.Lock()


@dataclass(frozen=True)
class NewItems:
    """One process's snapshot of the new-item candidates, newest first."""

    ids: np.ndarray  # int64
    rows: list[dict]  # ITEM_FIELDS of each, same order
    categories: np.ndarray  # object array of category names, same order
    vectors: sparse.csr_matrix  # TF-IDF rows in the model's vocabulary, same order
    epoch: int  # the catalog epoch it was built in
    built_at: float  # time.monotonic() when its query started
    position: dict[int, int] = field(default_factory=dict)  # id -> row

    def __len__(self) -> int:
        return len(self.ids)


def catalog_epoch() -> int | None:
    """The catalog epoch in Redis (0 before any deactivation), None when Redis cannot say."""
    try:
        return int(get_redis_connection("default").get(CATALOG_EPOCH_KEY) or 0)
    except (RedisError, ValueError) as exc:
        log.warning("could not read the catalog epoch: %s", exc)
        return None


def new_items_snapshot(model: ServingModel, *, epoch: int | None = None) -> NewItems | None:
    """The model's new-item snapshot, rebuilt when stale; None when the model has no content index.

    ``epoch``: the catalog epoch the caller already read (saves the Redis GET).
    """
    content = model.content_index
    if content is None:
        return None
    if epoch is None:
        epoch = catalog_epoch()
    started = time.monotonic()
    current = model.new_items
    if _fresh(current, epoch, started):
        return current
    with _lock:
        current = model.new_items
        # Another thread may have rebuilt it while this one waited for the lock.
        if current is not None and current.built_at >= started and (epoch is None or current.epoch == epoch):
            return current
        if epoch is None:  # Redis is down: refresh on time only
            epoch = current.epoch if current is not None else 0
        snapshot = _build(model, content, epoch)
        model.new_items = snapshot
    return snapshot


def _fresh(snapshot: NewItems | None, epoch: int | None, now: float) -> bool:
    if snapshot is None or now - snapshot.built_at >= settings.NEW_ITEMS_REFRESH_SECONDS:
        return False
    return epoch is None or snapshot.epoch == epoch


def _build(model: ServingModel, content, epoch: int) -> NewItems:
    """One query: the newest active items the model cannot score, vectorised with the model's index."""
    built_at = time.monotonic()
    newest_known = int(model.item_ids[-1]) if model.n_items else 0
    cold = content.cold_items
    cold_ids = model.item_ids[np.asarray(cold, np.int64)].tolist() if cold is not None and len(cold) else []
    wanted = Q(id__gt=newest_known)
    items = Item.objects.active()
    if cold_ids:
        items = items.alias(cold=RawSQL(_COLD_SQL, (cold_ids,), output_field=BooleanField()))
        wanted |= Q(cold=True)
    rows = list(items.filter(wanted).order_by("-created_at", "-id").values(*ITEM_FIELDS, "tags")[:NEW_ITEMS_CAP])
    vectors = content.transform([r["name"] for r in rows], [r["category"] for r in rows], [r["tags"] for r in rows])
    ids = np.fromiter((r["id"] for r in rows), dtype=np.int64, count=len(rows))
    categories = np.array([r["category"] for r in rows], dtype=object)
    for row in rows:
        del row["tags"]
    return NewItems(ids, rows, categories, vectors.tocsr(), epoch, built_at,
                    {int(item_id): i for i, item_id in enumerate(ids.tolist())})


# -- new items in a personalized list -------------------------------------------------------------
def new_items_ranked(model: ServingModel, history_ids, history_weights, *, limit: int,
                     categories: Sequence[str] = (), skip: Collection[int] = (),
                     epoch: int | None = None) -> list[tuple[dict, float]] | None:
    """Up to ``limit`` (row, similarity) of new items, most like the history first; positive only.

    None when the model has no content index (an older artifact): the caller decides what then.
    ``categories`` restricts the candidates to these categories; ``skip`` leaves out item ids.
    """
    snapshot = new_items_snapshot(model, epoch=epoch)
    if snapshot is None:
        return None
    if not len(snapshot) or limit <= 0:
        return []
    profile = history_profile(model, snapshot, history_ids, history_weights)
    if profile is None:
        return []
    similarity = model.content_index.score_vectors(snapshot.vectors, profile)
    allowed = similarity > 0
    if categories:
        allowed &= np.isin(snapshot.categories, list(categories))
    if skip:
        allowed &= ~np.isin(snapshot.ids, np.fromiter(skip, dtype=np.int64, count=len(skip)))
    candidates = np.flatnonzero(allowed)
    # Most similar first; equal similarity keeps the snapshot's order, newest first.
    best = candidates[np.argsort(-similarity[candidates], kind="stable")][:limit]
    return [(snapshot.rows[i], float(similarity[i])) for i in best.tolist()]


def history_profile(model: ServingModel, snapshot: NewItems | None, history_ids, history_weights):
    """The history's unit taste vector: its items' content vectors weighted by the history weights.

    Items the model knows contribute their row of ``T``; items added after training, their snapshot
    vector. None when nothing in the history has a known word.
    """
    ids = np.asarray(history_ids, dtype=np.int64)
    weights = np.asarray(history_weights, dtype=np.float32)
    positive = weights > 0
    ids, weights = ids[positive], weights[positive]
    indexes, known_weights = model.index_weights(ids, weights)
    extra_rows = extra_weights = None
    if snapshot is not None and len(snapshot) and len(indexes) < len(ids):
        known = set(model.item_ids[indexes].tolist())
        picks = [(snapshot.position[i], w) for i, w in zip(ids.tolist(), weights.tolist())
                 if i not in known and i in snapshot.position]
        if picks:
            extra_rows = snapshot.vectors[[p for p, _ in picks]]
            extra_weights = np.array([w for _, w in picks], dtype=np.float32)
    return model.content_index.profile(indexes, known_weights, extra_rows=extra_rows, extra_weights=extra_weights)


# -- items like one item --------------------------------------------------------------------------
def content_neighbours(model: ServingModel, item: dict, k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(item ids, cosines) of the items whose text is most like this item's, best first, positive only.

    ``item`` holds ``id``, ``name``, ``category`` and ``tags`` (its current text). Candidates: every
    item the model knows (``T @ v``) and the new-item snapshot; the item itself never. Whether they
    are still active is for the caller to check. None when the model has no content index.
    """
    content = model.content_index
    if content is None:
        return None
    vector = content.transform([item.get("name")], [item.get("category")], [item.get("tags")])
    if vector.nnz == 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    dense = np.asarray(vector.todense(), dtype=np.float32).ravel()
    indexes, scores = content.nearest(dense, k, exclude=model.indexes_of([item["id"]]))
    found = dict(zip(model.item_ids[indexes].tolist(), scores.tolist()))
    snapshot = new_items_snapshot(model)
    if snapshot is not None and len(snapshot):
        similarity = content.score_vectors(snapshot.vectors, dense)
        for i in np.flatnonzero(similarity > 0).tolist():
            item_id = int(snapshot.ids[i])
            if item_id != item["id"]:
                found[item_id] = max(found.get(item_id, 0.0), float(similarity[i]))
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    ids = np.fromiter(found, dtype=np.int64, count=len(found))
    sims = np.fromiter(found.values(), dtype=np.float32, count=len(found))
    order = np.argsort(-sims, kind="stable")[:k]
    return ids[order], sims[order]
