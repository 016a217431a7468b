"""Item-centred lists: the items most like one item, and the most popular items.

Items similar to an item come from these sources, each filling the places the one before left:

1. the active model's item similarity (reason ``similar``): its own ``similar_items`` when it has
   one, else (a hybrid) that of its first component with a neighbours matrix, else of any component;
2. content (reason ``content``):
   - when the model has nothing for the item (added after training, never interacted with, or a
     model without item similarity) and its artifact carries a content index: the items whose TF-IDF
     vector (name, category, tags) is closest to this item's, among the items the model knows and
     the process's new-item snapshot (recommendations/serving/content.py), ties by popularity;
   - otherwise: active items of the same category sharing the most tags with it, then the more
     popular first, in one query (``&&`` on the GIN-indexed tags, intersection size);
3. popularity (reason ``popular``): the most popular active items of the same category.

Inactive items are never returned; the item itself never is either.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL

from catalog.models import Item
from recommendations.serving.content import content_neighbours
from recommendations.serving.item_rows import ITEM_FIELDS, item_entry
from recommendations.serving.model import serving_model
from recommendations.serving.policy import OVERFETCH
from recommendations.serving.popular import popular_items
from recommendations.serving.served_model import ServingModel

# Tags of the candidate that are also tags of the item (INTERSECT drops duplicates).
SHARED_TAGS_SQL = "cardinality(ARRAY(SELECT unnest(catalog_item.tags) INTERSECT SELECT unnest(%s::varchar[])))"


@dataclass(frozen=True)
class SimilarItems:
    item_id: int
    similar: list[dict[str, Any]]
    model_version: int | None  # the version whose similarity was consulted, None when none could be


def similar_items_for(*, item_id: int, limit: int) -> SimilarItems:
    """Up to ``limit`` active items like this one, best first; Item.DoesNotExist for an unknown id."""
    item = Item.objects.values("id", "name", "category", "tags").get(pk=item_id)
    chosen: list[dict[str, Any]] = []
    model = serving_model()
    version = None
    by_content_index = False
    if model is not None:
        neighbours = _model_neighbours(model, item_id, limit + OVERFETCH)
        if neighbours is not None:
            version = model.version_id
            chosen = _by_model(model, *neighbours)[:limit]
        if not chosen:  # the model cannot relate this item: its content can
            found = content_neighbours(model, item, limit + OVERFETCH)
            if found is not None:
                version, by_content_index = model.version_id, True
                chosen = _by_content_index(*found)[:limit]
    if len(chosen) < limit and item["tags"] and not by_content_index:
        chosen += _by_content(item, skip=_ids(chosen), limit=limit - len(chosen))
    if len(chosen) < limit:
        categories = [item["category"]] if item["category"] else []
        chosen += popular_items(categories=categories, exclude=[item_id, *_ids(chosen)], limit=limit - len(chosen))
    return SimilarItems(item_id, chosen, version)


# -- sources --------------------------------------------------------------------------------------
def _model_neighbours(model: ServingModel, item_id: int, k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(indexes, scores) of the item's neighbours, or None if the model cannot say (unknown item...)."""
    index = model.indexes_of([item_id])
    if not len(index):
        return None  # an item added after training
    for source in _similarity_sources(model.model):
        try:
            indexes, scores = source.similar_items(int(index[0]), k)
        except NotImplementedError:
            continue
        return np.asarray(indexes, np.int64), np.asarray(scores, np.float32)
    return None


def _similarity_sources(model):
    """The model, then a hybrid's weighted components: neighbourhood models first (the brief's W)."""
    yield model
    components = [component for _, component, _ in model.weighted_components()]
    yield from sorted(components, key=lambda component: component.item_similarity_matrix() is None)


def _by_model(model: ServingModel, indexes: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
    keep = np.isfinite(scores) & (scores > 0)
    ids = model.item_ids[indexes[keep]].tolist()
    # One query; items deactivated since training drop out here.
    rows = {row["id"]: row for row in Item.objects.active().filter(id__in=ids).values(*ITEM_FIELDS)}
    return [item_entry(rows[i], s, "similar") for i, s in zip(ids, scores[keep].tolist()) if i in rows]


def _by_content_index(ids: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
    """Content neighbours as entries: active ones only (one query), by similarity, then popularity."""
    rows = {row["id"]: row for row in Item.objects.active().filter(id__in=ids.tolist()).values(*ITEM_FIELDS)}
    entries = [item_entry(rows[i], s, "content") for i, s in zip(ids.tolist(), scores.tolist()) if i in rows]
    entries.sort(key=lambda e: (-e["score"], -rows[e["item_id"]]["popularity_score"], e["item_id"]))
    return entries


def _by_content(item: dict[str, Any], *, skip: list[int], limit: int) -> list[dict[str, Any]]:
    tags = sorted(set(item["tags"]))
    candidates = (
        Item.objects.active()
        .filter(category=item["category"], tags__overlap=tags)
        .exclude(id__in=[item["id"], *skip])
        .annotate(shared=RawSQL(SHARED_TAGS_SQL, (tags,), output_field=IntegerField()))
        .order_by("-shared", "-popularity_score", "id")
        .values(*ITEM_FIELDS, "shared")[:limit]
    )
    # Score: the share of this item's tags the candidate has too, 0..1.
    return [item_entry(row, row["shared"] / len(tags), "content") for row in candidates]


def _ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["item_id"] for row in rows]
