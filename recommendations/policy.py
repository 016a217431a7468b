"""The one hybrid policy: which source answers which user, and how short lists are filled.

- A user with at least MIN_INTERACTIONS_FOR_PERSONALIZED interactions gets the active model's
  list (reason ``personalized``, or ``similar_to:<item_code>`` when one history item explains it),
  backfilled with popular items when it returns fewer than asked.
- Everyone else gets popular items, biased toward the categories of their history and their
  ``preferences["categories"]``.
- The list is never empty while the catalog has active items the filters allow: as a last resort,
  items the user has already seen are offered again.

The history is read at request time, so a new interaction changes the next list without retraining.
Queries on a miss: the history (1), the winners' item fields (1), and popularity only when needed.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Case, F, FloatField, Value, When

from catalog.models import Item
from recommendations.engine.data import SECONDS_PER_DAY
from recommendations.models import Interaction
from recommendations.serving import ServingModel, serving_model

ITEM_FIELDS = ("id", "item_code", "name", "category", "popularity_score")
# Candidates fetched beyond the limit, to absorb items deactivated or filtered since training.
OVERFETCH = 20


@dataclass(frozen=True)
class Query:
    user_id: int
    limit: int
    categories: tuple[str, ...] = ()
    exclude: tuple[int, ...] = ()
    include_seen: bool = False


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


def history_load(user_id: int, transform=None) -> History:
    """One indexed query: the newest HISTORY_LIMIT interactions with their items' category and code.

    ``transform`` turns the raw interaction values into the weights the model was trained with
    (``Recommender.history_weights``); it is applied before the time decay, as in training.
    """
    rows = list(
        Interaction.objects.filter(user_id=user_id)
        .order_by("-timestamp", "-id")
        .values_list("item_id", "interaction_value", "timestamp", "item__category", "item__item_code")[
            : settings.HISTORY_LIMIT
        ]
    )
    item_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    weights = np.fromiter((r[1] for r in rows), dtype=np.float32, count=len(rows))
    if transform is not None:
        weights = np.asarray(transform(weights), dtype=np.float32)
    half_life = settings.RECENCY_HALF_LIFE_DAYS
    if half_life and rows:
        now = time.time()
        ages = np.fromiter((max(now - r[2].timestamp(), 0.0) for r in rows), dtype=np.float64, count=len(rows))
        weights = (weights * np.exp2(-ages / SECONDS_PER_DAY / half_life)).astype(np.float32)
    return History(item_ids, weights, [r[3] for r in rows if r[3]], {r[0]: r[4] for r in rows})


def recommendations_compute(query: Query) -> ComputedList:
    """The list for one user and query, by the policy in this module's docstring."""
    model = serving_model()
    history = history_load(query.user_id, transform=getattr(model.model, "history_weights", None) if model else None)
    chosen: list[dict[str, Any]] = []
    source = "popularity"
    if model is not None and len(history) >= settings.MIN_INTERACTIONS_FOR_PERSONALIZED:
        chosen = _personalized(model, history, query)
        source = model.algorithm
        chosen = _with_new_items(model, history, query, chosen)
    if len(chosen) < query.limit:
        chosen += _popular(history, query, taken=[r["item_id"] for r in chosen], biased=not chosen)
    if not chosen and not query.include_seen:
        # Everything allowed has been seen: better to offer it again than to show nothing.
        chosen = _popular(History(np.empty(0, np.int64), np.empty(0, np.float32), [], {}), query, taken=[],
                          biased=False)
    return ComputedList(chosen[: query.limit], model.version_id if model else None, source)


# -- personalized ---------------------------------------------------------------------------------
def _personalized(model: ServingModel, history: History, query: Query) -> list[dict[str, Any]]:
    indexes, weights = model.index_weights(history.item_ids, history.weights)
    exclude = model.indexes_of(query.exclude)
    want = query.limit + OVERFETCH
    candidates, scores = model.model.recommend(
        indexes, weights, k=want, exclude=exclude, exclude_seen=not query.include_seen
    )
    candidate_ids = model.item_ids[candidates]
    rows = _item_rows(candidate_ids, query.categories)
    explanations = _explain(model, indexes, weights, candidates, history)
    out = []
    for item_id, score, why in zip(candidate_ids.tolist(), scores.tolist(), explanations):
        row = rows.get(item_id)
        if row is not None:
            out.append(_shape(row, score, why))
    return out


def _explain(model: ServingModel, indexes, weights, candidates, history: History) -> list[str]:
    """``similar_to:<code>`` naming the history item that contributes most, where a model can say."""
    W = _similarity_matrix(model.model)
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


def _similarity_matrix(model):
    """The item-item matrix of a neighbourhood model, or of the first one inside a hybrid."""
    if getattr(model, "W", None) is not None:
        return model.W
    for _, component, weight in getattr(model, "active", lambda: [])():
        if getattr(component, "W", None) is not None and weight:
            return component.W
    return None


# -- new items ------------------------------------------------------------------------------------
def _with_new_items(model: ServingModel, history: History, query: Query, chosen: list) -> list:
    """Give items nobody has interacted with yet a place (reason ``new``) in a personalized list.

    A collaborative model cannot rank an item without interactions, so without this a new item
    would never be shown and never collect any. Candidates: active items added after the model was
    trained (ids above the newest it knows), in the categories of the user's history, newest first.
    """
    slots = settings.NEW_ITEM_SLOTS
    categories = list(dict.fromkeys(history.categories))[:10]
    if not slots or not categories or not chosen:
        return chosen
    skip = {r["item_id"] for r in chosen} | set(query.exclude)
    if not query.include_seen:
        skip |= set(history.item_ids.tolist())
    newest_known = int(model.item_ids[-1]) if model.n_items else 0
    items = (
        Item.objects.active()
        .filter(id__gt=newest_known, category__in=query.categories or categories)
        .exclude(id__in=skip)
        .order_by("-created_at", "-id")
        .values(*ITEM_FIELDS)[:slots]
    )
    position = min(settings.NEW_ITEM_POSITION, len(chosen))
    for offset, row in enumerate(items):
        at = position + offset
        # The score of the place it takes keeps the list's scores non-increasing.
        score = chosen[at]["score"] if at < len(chosen) else chosen[-1]["score"]
        chosen.insert(at, _shape(row, score, "new"))
    return chosen


# -- popularity -----------------------------------------------------------------------------------
def _popular(history: History, query: Query, *, taken: Sequence[int], biased: bool) -> list[dict[str, Any]]:
    """Popular active items not seen/excluded/taken; with ``biased``, favourite categories first-ish."""
    skip = set(taken) | set(query.exclude)
    if not query.include_seen:
        skip |= set(history.item_ids.tolist())
    items = Item.objects.active().exclude(id__in=skip) if skip else Item.objects.active()
    if query.categories:
        items = items.filter(category__in=query.categories)
    favourites = _favourite_categories(history, query.user_id) if biased else []
    if favourites:
        boost = Case(When(category__in=favourites, then=Value(settings.CATEGORY_BOOST)), default=Value(1.0),
                     output_field=FloatField())
        items = items.annotate(rank_score=F("popularity_score") * boost)
    else:
        items = items.annotate(rank_score=F("popularity_score"))
    rows = items.order_by("-rank_score", "id").values(*ITEM_FIELDS, "rank_score")[: query.limit - len(taken)]
    return [_shape(row, row["popularity_score"], "popular") for row in rows]


def _favourite_categories(history: History, user_id: int) -> list[str]:
    from accounts.models import User

    preferences = User.objects.filter(pk=user_id).values_list("preferences", flat=True).first() or {}
    preferred = preferences.get("categories", []) if isinstance(preferences, dict) else []
    favourites = list(dict.fromkeys([*[str(c) for c in preferred if c], *history.categories]))
    return favourites[:10]


# -- shared ---------------------------------------------------------------------------------------
def _item_rows(item_ids: np.ndarray, categories: Sequence[str]) -> dict[int, dict[str, Any]]:
    items = Item.objects.active().filter(id__in=item_ids.tolist())
    if categories:
        items = items.filter(category__in=categories)
    return {row["id"]: row for row in items.values(*ITEM_FIELDS)}


def _shape(row: dict[str, Any], score: float, reason: str) -> dict[str, Any]:
    return {
        "item_id": row["id"],
        "item_code": row["item_code"],
        "name": row["name"],
        "category": row["category"],
        "score": round(float(score), 6),
        "reason": reason,
    }
