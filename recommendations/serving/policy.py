"""The one hybrid policy: which source answers which user, and how short lists are filled.

- A user with at least MIN_INTERACTIONS_FOR_PERSONALIZED interactions gets the active model's
  list (reason ``personalized``, or ``similar_to:<item_code>`` when one history item explains it),
  backfilled with popular items when it returns fewer than asked.
- Everyone else gets popular items, biased toward the categories of their history and their
  ``preferences["categories"]``.
- The list is never empty while the catalog has active items the filters allow: as a last resort,
  items the user has already seen are offered again.

The history is read at request time, so a new interaction changes the next list without retraining.
Queries on a miss: the history (1); item fields only for items this process has not read lately
(recommendations/serving/item_rows.py); popularity only when needed.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections
from django.db.models import Case, F, FloatField, Value, When

from accounts.models import User
from catalog.models import Item
from recengine.dbrouters import read_alias, replica_configured, replica_or_primary
from recommendations.engine.data import SECONDS_PER_DAY
from recommendations.models import Interaction
from recommendations.serving.cache import primary_reads_needed
from recommendations.serving.content import new_items_ranked
from recommendations.serving.item_rows import item_rows
from recommendations.serving.model import (
    ServingModel,
    model_missing_reason,
    serving_model,
)
from recommendations.serving.query import Query

ITEM_FIELDS = ("id", "item_code", "name", "category", "popularity_score")
# Candidates fetched beyond the limit, to absorb items deactivated or filtered since training.
OVERFETCH = 20


@dataclass
class History:
    """The user's recent interactions, newest first."""

    item_ids: np.ndarray
    weights: np.ndarray
    categories: list[str]
    codes: dict[int, str]

    def __len__(self) -> int:
        return len(self.item_ids)


@dataclass
class ComputedList:
    recommendations: list[dict[str, Any]]
    model_version: int | None
    source: str
    extra: dict = field(default_factory=dict)
    # Why the list came from popularity instead of the model (None: it did not); the reasons are
    # recengine.observability.metrics.FALLBACK_REASONS.
    fallback: str | None = None


def histories_load(user_ids: Sequence[int], transform=None, *, epoch: int | None = None) -> dict[int, History]:
    """Each user's newest HISTORY_LIMIT interactions, one query; their items' category and code from
    the process's item table (recommendations/serving/item_rows.py, ``epoch`` as there).

    A LATERAL join walks the (user, -timestamp) index once per user with a LIMIT, so a heavy user
    costs no more than HISTORY_LIMIT rows, for one user or a thousand. ``transform`` turns the raw
    interaction values into the weights the model was trained with (``ServingModel.history_weights``);
    it is applied before the time decay, as in training.
    """
    ids = sorted({int(u) for u in user_ids})
    rows_by_user: dict[int, list[tuple]] = {user_id: [] for user_id in ids}
    if ids:
        with connections[read_alias(Interaction)].cursor() as cursor:
            cursor.execute(HISTORIES_SQL, [ids, settings.HISTORY_LIMIT])
            for row in cursor.fetchall():
                rows_by_user[row[0]].append(row)
    items = item_rows({row[1] for rows in rows_by_user.values() for row in rows}, epoch=epoch)
    now = time.time()
    return {user_id: _history(rows, items, transform, now) for user_id, rows in rows_by_user.items()}


HISTORIES_SQL = f"""
SELECT u.user_id, h.item_id, h.interaction_value, EXTRACT(EPOCH FROM h.timestamp)::float8
FROM unnest(%s::bigint[]) AS u(user_id)
CROSS JOIN LATERAL (
    SELECT i.item_id, i.interaction_value, i.timestamp, i.id
    FROM {Interaction._meta.db_table} i
    WHERE i.user_id = u.user_id
    ORDER BY i.timestamp DESC, i.id DESC
    LIMIT %s
) h
ORDER BY u.user_id, h.timestamp DESC, h.id DESC
"""


def _history(rows: list[tuple], items: dict[int, dict[str, Any]], transform, now: float) -> History:
    item_ids = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    weights = np.fromiter((r[2] for r in rows), dtype=np.float32, count=len(rows))
    if transform is not None:
        weights = np.asarray(transform(weights), dtype=np.float32)
    half_life = settings.RECENCY_HALF_LIFE_DAYS
    if half_life and rows:
        ages = np.maximum(now - np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows)), 0.0)
        weights = (weights * np.exp2(-ages / SECONDS_PER_DAY / half_life)).astype(np.float32)
    known = [items.get(r[1]) for r in rows]
    return History(item_ids, weights, [item["category"] for item in known if item and item["category"]],
                   {r[1]: item["item_code"] for r, item in zip(rows, known) if item})


def history_load(user_id: int, transform=None) -> History:
    """One user's history (see histories_load)."""
    return histories_load([user_id], transform)[user_id]


def recommendations_compute(query: Query) -> ComputedList:
    """The list for one user and query, by the policy in this module's docstring."""
    return recommendations_compute_many([query])[0]


def recommendations_compute_many(queries: Sequence[Query], *, epoch: int | None = None) -> list[ComputedList]:
    """The lists for many queries at once, each exactly as ``recommendations_compute`` makes it.

    Shared work is done once: one query for every history, one for the item fields of every
    candidate; the model still scores one history at a time, as for a single request.
    ``epoch``: the catalog epoch the caller already read from Redis (saves a GET; see
    content_serving.new_items_snapshot).

    With a read replica (recengine/dbrouters.py) the histories, items and users are read from it,
    unless one of these users (or the catalog) was written less than DATABASE_REPLICA_LAG_SECONDS
    ago: then the whole batch reads the primary, so no list is computed, and cached, without it.
    When the replica fails, the batch is computed again from the primary (dbrouters.replica_or_primary).
    """
    if not replica_configured() or primary_reads_needed(user_ids=[q.user_id for q in queries]):
        return _compute_many(queries, epoch)
    return replica_or_primary(lambda: _compute_many(queries, epoch))


def _compute_many(queries: Sequence[Query], epoch: int | None) -> list[ComputedList]:
    model = serving_model()
    transform = model.history_weights if model else None
    histories = histories_load([q.user_id for q in queries], transform, epoch=epoch)
    personal = {
        position: _personalized_candidates(model, histories[q.user_id], q)
        for position, q in enumerate(queries)
        if model is not None and len(histories[q.user_id]) >= settings.MIN_INTERACTIONS_FOR_PERSONALIZED
    }
    wanted = np.unique(np.concatenate([ids for ids, _, _ in personal.values()] or [np.empty(0, np.int64)]))
    rows = _item_rows(wanted, epoch)
    pool = PopularPool()
    out = []
    for position, query in enumerate(queries):
        history = histories[query.user_id]
        chosen: list[dict[str, Any]] = []
        source = "popularity"
        if position in personal:
            chosen = _personalized_rows(*personal[position], rows, query)
            source = model.algorithm
            chosen = _with_new_items(model, history, query, chosen, epoch)
            fallback = None if chosen else "no_model_candidates"
        elif model is None:
            fallback = model_missing_reason()
        else:
            fallback = "cold_user" if len(history) else "no_history"
        if len(chosen) < query.limit:
            chosen += _popular(history, query, taken=[r["item_id"] for r in chosen], biased=not chosen, pool=pool)
        if not chosen and not query.include_seen:
            # Everything allowed has been seen: better to offer it again than to show nothing.
            chosen = _popular(History(np.empty(0, np.int64), np.empty(0, np.float32), [], {}), query, taken=[],
                              biased=False, pool=pool)
        out.append(ComputedList(chosen[: query.limit], model.version_id if model else None, source, fallback=fallback))
    return out


# -- personalized ---------------------------------------------------------------------------------
def _personalized_candidates(model: ServingModel, history: History, query: Query):
    """(item ids, scores, reasons) the model ranks for this history, before the catalog check."""
    indexes, weights = model.index_weights(history.item_ids, history.weights)
    exclude = model.indexes_of(query.exclude)
    want = query.limit + OVERFETCH
    candidates, scores = model.model.recommend(
        indexes, weights, k=want, exclude=exclude, exclude_seen=not query.include_seen
    )
    return model.item_ids[candidates], scores, _explain(model, indexes, weights, candidates, history)


def _personalized_rows(candidate_ids, scores, explanations, rows: dict[int, dict[str, Any]],
                       query: Query) -> list[dict[str, Any]]:
    """The candidates still active (and in the asked categories), shaped for the response."""
    wanted = set(query.categories)
    out = []
    for item_id, score, why in zip(candidate_ids.tolist(), scores.tolist(), explanations):
        row = rows.get(item_id)
        if row is not None and (not wanted or row["category"] in wanted):
            out.append(_shape(row, score, why))
    return out


def _explain(model: ServingModel, indexes, weights, candidates, history: History) -> list[str]:
    """``similar_to:<code>`` naming the history item that contributes most, where a model can say."""
    W = model.model.item_similarity_matrix()
    if W is None or not len(indexes) or not len(candidates):
        return ["personalized"] * len(candidates)
    contributions = W[indexes][:, candidates].toarray() * weights[:, None]
    best = contributions.argmax(axis=0)
    reasons = []
    for column, row in enumerate(best):
        if contributions[row, column] > 0:
            code = history.codes.get(int(model.item_ids[indexes[row]]))
            reasons.append(f"similar_to:{code}" if code else "personalized")
        else:
            reasons.append("personalized")
    return reasons


# -- new items ------------------------------------------------------------------------------------
def _with_new_items(model: ServingModel, history: History, query: Query, chosen: list,
                    epoch: int | None = None) -> list:
    """Give items nobody has interacted with yet a place (reason ``new``) in a personalized list.

    A collaborative model cannot rank an item without interactions, so without this a new item
    would never be shown and never collect any. Candidates: active items added after the model was
    trained (ids above the newest it knows) or that had no interaction when it was trained, ranked
    by the content similarity (TF-IDF of name, category and tags) of each to the user's history;
    only positive similarity counts. They come from the process's snapshot of new items
    (recommendations/serving/content.py): no query. A model without a content index (an older
    artifact) falls back to the category rule: items added after training in the categories of the
    history, newest first, one query.
    """
    slots = settings.NEW_ITEM_SLOTS
    if not slots or not chosen:
        return chosen
    skip = {r["item_id"] for r in chosen} | set(query.exclude)
    if not query.include_seen:
        skip |= set(history.item_ids.tolist())
    ranked = new_items_ranked(model, history.item_ids, history.weights, limit=slots,
                              categories=query.categories, skip=skip, epoch=epoch)
    if ranked is not None:
        rows = [row for row, _ in ranked]
    else:
        categories = list(dict.fromkeys(history.categories))[:10]
        if not categories:
            return chosen
        newest_known = int(model.item_ids[-1]) if model.n_items else 0
        rows = (
            Item.objects.active()
            .filter(id__gt=newest_known, category__in=query.categories or categories)
            .exclude(id__in=skip)
            .order_by("-created_at", "-id")
            .values(*ITEM_FIELDS)[:slots]
        )
    position = min(settings.NEW_ITEM_POSITION, len(chosen))
    for offset, row in enumerate(rows):
        at = position + offset
        # The score of the place it takes keeps the list's scores non-increasing.
        score = chosen[at]["score"] if at < len(chosen) else chosen[-1]["score"]
        chosen.insert(at, _shape(row, score, "new"))
    return chosen


# -- popularity -----------------------------------------------------------------------------------
def _popular(history: History, query: Query, *, taken: Sequence[int], biased: bool,
             pool: PopularPool | None = None) -> list[dict[str, Any]]:
    """Popular active items not seen/excluded/taken; with ``biased``, favourite categories first-ish."""
    skip = set(taken) | set(query.exclude)
    if not query.include_seen:
        skip |= set(history.item_ids.tolist())
    want = query.limit - len(taken)
    favourites = _favourite_categories(history, query.user_id) if biased else []
    if not favourites:
        rows = (pool or PopularPool()).top(query.categories, skip, want)
        return [_shape(row, row["popularity_score"], "popular") for row in rows]
    items = Item.objects.active().exclude(id__in=skip) if skip else Item.objects.active()
    if query.categories:
        items = items.filter(category__in=query.categories)
    boost = Case(When(category__in=favourites, then=Value(settings.CATEGORY_BOOST)), default=Value(1.0),
                 output_field=FloatField())
    items = items.annotate(rank_score=F("popularity_score") * boost)
    rows = items.order_by("-rank_score", "id").values(*ITEM_FIELDS, "rank_score")[:want]
    return [_shape(row, row["popularity_score"], "popular") for row in rows]


class PopularPool:
    """Active items by popularity (ties by id), read once per category filter and shared by a batch.

    ``top`` filters the pool in Python and reads a longer one only when the skipped items leave
    too few, so the answer is the same as one ``ORDER BY popularity_score DESC, id LIMIT`` per user.
    """

    def __init__(self):
        self._rows: dict[tuple[str, ...], tuple[list[dict[str, Any]], bool]] = {}

    def top(self, categories: Sequence[str], skip: set[int], n: int) -> list[dict[str, Any]]:
        if n <= 0:
            return []
        key = tuple(sorted(set(categories)))
        rows, complete = self._rows.get(key, ([], False))
        while True:
            picked = [row for row in rows if row["id"] not in skip][:n]
            if len(picked) == n or complete:
                return picked
            size = max(2 * len(rows), n + len(skip), 200)
            items = Item.objects.active()
            if key:
                items = items.filter(category__in=key)
            rows = list(items.order_by("-popularity_score", "id").values(*ITEM_FIELDS)[:size])
            complete = len(rows) < size
            self._rows[key] = (rows, complete)


def _favourite_categories(history: History, user_id: int) -> list[str]:
    preferences = User.objects.filter(pk=user_id).values_list("preferences", flat=True).first() or {}
    preferred = preferences.get("categories", []) if isinstance(preferences, dict) else []
    favourites = list(dict.fromkeys([*[str(c) for c in preferred if c], *history.categories]))
    return favourites[:10]


# -- shared ---------------------------------------------------------------------------------------
def _item_rows(item_ids: np.ndarray, epoch: int | None = None) -> dict[int, dict[str, Any]]:
    """The response fields of these items that are still active (recommendations/serving/item_rows.py)."""
    if not len(item_ids):
        return {}
    return {item_id: row for item_id, row in item_rows(item_ids.tolist(), epoch=epoch).items() if row["is_active"]}


def _shape(row: dict[str, Any], score: float, reason: str) -> dict[str, Any]:
    return {
        "item_id": row["id"],
        "item_code": row["item_code"],
        "name": row["name"],
        "category": row["category"],
        "score": round(float(score), 6),
        "reason": reason,
    }
