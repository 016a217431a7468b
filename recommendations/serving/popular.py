"""Popular items: the same list for everyone, and a user's list biased toward their categories."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import Case, F, FloatField, Value, When

from accounts.models import User
from catalog.models import Item
from recommendations.serving.history import History
from recommendations.serving.item_rows import ITEM_FIELDS, item_entry
from recommendations.serving.query import Query


def popular_items(*, categories: Sequence[str] = (), exclude: Sequence[int] = (), limit: int) -> list[dict]:
    """The ``limit`` most popular active items (of these categories, if any), ties by id: GET /items/popular."""
    items = Item.objects.active()
    if categories:
        items = items.filter(category__in=categories)
    if exclude:
        items = items.exclude(id__in=exclude)
    rows = items.by_popularity().values(*ITEM_FIELDS)[:limit]
    return [item_entry(row, row["popularity_score"], "popular") for row in rows]


def popular_for(history: History, query: Query, *, taken: Sequence[int], biased: bool,
             pool: PopularPool | None = None) -> list[dict[str, Any]]:
    """Popular active items for a user's list, not seen, excluded or ``taken`` already; with ``biased``, the
    user's favourite categories (of the history and ``preferences["categories"]``) count CATEGORY_BOOST
    times their score. ``pool`` shares the unbiased reads of a batch.

    Each row's score is the one it is ordered by (popularity_score, times the boost in a favourite
    category), so the list reads as sorted wherever it is shown."""
    skip = set(taken) | set(query.exclude)
    if not query.include_seen:
        skip |= set(history.item_ids.tolist())
    want = query.limit - len(taken)
    favourites = _favourite_categories(history, query.user_id) if biased else []
    if not favourites:
        rows = (pool or PopularPool()).top(query.categories, skip, want)
        return [item_entry(row, row["popularity_score"], "popular") for row in rows]
    items = Item.objects.active().exclude(id__in=skip) if skip else Item.objects.active()
    if query.categories:
        items = items.filter(category__in=query.categories)
    boost = Case(When(category__in=favourites, then=Value(settings.CATEGORY_BOOST)), default=Value(1.0),
                 output_field=FloatField())
    items = items.annotate(rank_score=F("popularity_score") * boost)
    rows = items.order_by("-rank_score", "id").values(*ITEM_FIELDS, "rank_score")[:want]
    return [item_entry(row, row["rank_score"], "popular") for row in rows]


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
            rows = list(items.by_popularity().values(*ITEM_FIELDS)[:size])
            complete = len(rows) < size
            self._rows[key] = (rows, complete)


def _favourite_categories(history: History, user_id: int) -> list[str]:
    preferences = User.objects.filter(pk=user_id).values_list("preferences", flat=True).first() or {}
    preferred = preferences.get("categories", []) if isinstance(preferences, dict) else []
    favourites = list(dict.fromkeys([*[str(c) for c in preferred if c], *history.categories]))
    return favourites[:10]
