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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings

from catalog.models import Item
from recengine.dbrouters import replica_configured, replica_or_primary
from recommendations.serving.cache import primary_reads_needed
from recommendations.serving.content import new_items_ranked
from recommendations.serving.history import History, histories_load, history_load
from recommendations.serving.item_rows import ITEM_FIELDS, active_item_rows, item_entry
from recommendations.serving.model import (
    ServingModel,
    model_missing_reason,
    serving_model,
)
from recommendations.serving.popular import PopularPool, popular_for
from recommendations.serving.query import Query

# Candidates fetched beyond the limit, to absorb items deactivated or filtered since training.
OVERFETCH = 20


@dataclass
class ComputedList:
    recommendations: list[dict[str, Any]]
    model_version: int | None
    source: str
    # Why the list came from popularity instead of the model (None: it did not); the reasons are
    # recengine.observability.metrics.FALLBACK_REASONS.
    fallback: str | None = None


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
    rows = active_item_rows(wanted.tolist(), epoch=epoch)
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
            chosen += popular_for(history, query, taken=[r["item_id"] for r in chosen], biased=not chosen, pool=pool)
        if not chosen and not query.include_seen:
            # Everything allowed has been seen: better to offer it again than to show nothing.
            chosen = popular_for(History(np.empty(0, np.int64), np.empty(0, np.float32), [], {}), query, taken=[],
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
            out.append(item_entry(row, score, why))
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
        chosen.insert(at, item_entry(row, score, "new"))
    return chosen


# -- what each source would answer: the staff panel (staff/dashboard.py) ---------------------------
@dataclass
class Explanation:
    """Each source's list for one user, side by side, in the API's row shape.

    ``personalized``: the model's own ranking, before new items and the popularity fill (None without a
    model or a history). ``components``: (name, weight, rows) of each part of a blend, on its own
    scale (rows None when the model knows none of the history's items). ``popular``: the list of a
    user with few interactions, and the fill of a short one.
    """

    history: History
    model: ServingModel | None
    personalized: list[dict[str, Any]] | None = None
    components: list[tuple[str, float, list[dict[str, Any]] | None]] = field(default_factory=list)
    popular: list[dict[str, Any]] = field(default_factory=list)


def explain(query: Query) -> Explanation:
    """What each source of this policy would put in the query's list (see ``Explanation``)."""
    model = serving_model()
    history = history_load(query.user_id, model.history_weights if model else None)
    out = Explanation(history, model, popular=popular_for(history, query, taken=[], biased=True))
    if model is None or not len(history):
        return out
    ids, scores, reasons = _personalized_candidates(model, history, query)
    out.personalized = _personalized_rows(ids, scores, reasons, active_item_rows(ids.tolist()), query)[: query.limit]
    indexes, weights = model.index_weights(history.item_ids, history.weights)
    for name, component, weight in model.model.weighted_components():
        rows = None
        if len(indexes):
            found, values = component.recommend(indexes, weights, k=query.limit + OVERFETCH)
            found_ids = model.item_ids[found].tolist()
            active = active_item_rows(found_ids)
            rows = [item_entry(active[i], value, name) for i, value in zip(found_ids, values.tolist()) if i in active]
            rows = rows[: query.limit]
        out.components.append((name, weight, rows))
    return out
