"""The read path: a user's recommendation list, from the cache when it answers, else computed.

Every list the API, the fast path, precompute and export serve goes through here, so cache
lookup, compute, the dashboard's hit statistics and the Prometheus counters happen in one place.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.utils import timezone

from recengine.observability import metrics
from recommendations.serving import cache
from recommendations.serving.model import serving_model
from recommendations.serving.policy import (
    Query,
    recommendations_compute,
    recommendations_compute_many,
)
from recommendations.serving.stats import cache_stats_record

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recommendations:
    user_id: int
    recommendations: list[dict[str, Any]]
    cached: bool
    timestamp: datetime
    model_version: int | None = None
    recomm_id: str = ""


def _answers(entry: cache.CachedList, limit: int, model_version: int | None) -> bool:
    """A cached list answers if it comes from the serving model and was computed for enough items."""
    if entry.model_version != model_version:
        return False
    return limit <= entry.limit or entry.size < entry.limit


def _cached_rows(entry: cache.CachedList, n: int | None = None) -> list[dict[str, Any]] | None:
    """The entry's first ``n`` rows, or None (a miss) when the stored value was damaged."""
    try:
        return entry.rows(n)
    except orjson.JSONDecodeError:
        logger.warning("damaged recommendation cache entry; computing the list again")
        return None


def recommendations_for_user(
    *,
    user_id: int,
    limit: int,
    categories: Sequence[str] = (),
    exclude: Sequence[int] = (),
    include_seen: bool = False,
) -> Recommendations:
    """The top `limit` recommendations for a user (policy in recommendations/policy.py).

    The plain list (no filters) is cached: a miss computes the longest list the API can ask
    for (MAX_RECOMMENDATIONS_LIMIT), so one entry answers every later limit. A filtered request
    is answered from that entry when the filters leave enough items, else computed afresh.
    """
    if not (categories or exclude or include_seen):
        return recommendations_for_users(user_ids=[user_id], limit=limit)[0]
    now = timezone.now()
    current = serving_model()
    current_version = current.version_id if current else None
    entry, _ = cache.recommendations_lookup(user_id=user_id)
    rows = _cached_rows(entry) if entry is not None and _answers(entry, limit, current_version) else None
    if rows is not None and not include_seen:
        rows = _filter_rows(rows, categories, exclude)
        if len(rows) >= limit or entry.size < entry.limit:
            metrics.lists_served(1, 0, _entry_fallback(entry))
            return Recommendations(user_id, rows[:limit], True, now, entry.model_version, entry.recomm_id)
    computed = recommendations_compute(Query(user_id, limit, tuple(categories), tuple(exclude), include_seen))
    metrics.lists_served(0, 1, (computed.fallback,) if computed.fallback else ())
    return Recommendations(user_id, computed.recommendations, False, now, computed.model_version, uuid.uuid4().hex)


def _entry_fallback(entry: cache.CachedList) -> tuple[str, ...]:
    """The fallback reason of a cached list, as a tuple of zero or one (``unknown`` for older entries)."""
    if entry.fallback:
        return (entry.fallback,)
    return ("unknown",) if entry.source == "popularity" else ()


def recommendations_for_users(*, user_ids: Sequence[int], limit: int,
                              record_stats: bool = True) -> list[Recommendations]:
    """The plain (unfiltered) lists of these users, in order, as ``recommendations_for_user`` serves them.

    One MGET reads every cached entry; the misses are computed together
    (``policy.recommendations_compute_many``) for MAX_RECOMMENDATIONS_LIMIT items each and stored
    in one pipelined write. Precompute and export use this, so they store and write exactly what
    the API would answer.
    """
    now = timezone.now()
    current = serving_model()
    current_version = current.version_id if current else None
    entries, epoch = cache.recommendations_lookup_many(user_ids=user_ids)
    answered: dict[int, Recommendations] = {}
    fallbacks: list[str] = []  # one reason per list served from popularity
    for user_id, entry in entries.items():
        rows = _cached_rows(entry, limit) if _answers(entry, limit, current_version) else None
        if rows is not None:
            answered[user_id] = Recommendations(user_id, rows, True, now, entry.model_version, entry.recomm_id)
            if entry.fallback or entry.source == "popularity":
                fallbacks += _entry_fallback(entry)
    hits = len(answered)
    misses = list(dict.fromkeys(user_id for user_id in user_ids if user_id not in answered))
    if record_stats:  # the staff dashboard's cache hit rate; precompute and export pass False
        cache_stats_record(hits=len(answered), misses=len(misses))
    computed_for = max(limit, settings.MAX_RECOMMENDATIONS_LIMIT)
    queries = [Query(user_id, computed_for) for user_id in misses]
    computed = recommendations_compute_many(queries, epoch=epoch) if misses else []
    fresh = {}
    for user_id, result in zip(misses, computed):
        recomm_id = uuid.uuid4().hex
        fresh[user_id] = {
            "model_version": result.model_version, "source": result.source, "limit": computed_for,
            "recomm_id": recomm_id, "recommendations": result.recommendations,
        }
        if result.fallback:
            fresh[user_id]["fallback"] = result.fallback
            fallbacks.append(result.fallback)
        answered[user_id] = Recommendations(user_id, result.recommendations[:limit], False, now,
                                            result.model_version, recomm_id)
    cache.recommendations_set_many(entries=fresh, epoch=epoch)
    if record_stats:  # Prometheus: counted once the lists are there (a failure here is retried by DRF)
        metrics.lists_served(hits, len(misses), fallbacks)
    return [answered[user_id] for user_id in user_ids]


def _filter_rows(rows: list[dict[str, Any]], categories: Sequence[str], exclude: Sequence[int]) -> list:
    if not categories and not exclude:
        return rows
    wanted, skip = set(categories), set(exclude)
    return [r for r in rows if r["item_id"] not in skip and (not wanted or r["category"] in wanted)]
