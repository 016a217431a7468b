"""The read path: every recommendation list served, from the cache when it answers, else computed.

``recommend`` (one query) and ``recommend_many`` (a batch) are the only way to a user's list: the
API's DRF view and its fast path, the ``recommend`` command, precompute, export and the staff panel
all call them, so cache lookup, compute, the dashboard's hit statistics and the Prometheus counters
happen here and nowhere else.

- The plain list of a user (no filter, ``Query.plain``) is cached under ``user_rec:{user_id}``
  (serving/cache.py). A miss computes the longest list the API can ask for
  (MAX_RECOMMENDATIONS_LIMIT), so one entry answers every later limit. An id no user has gets the
  popular list and no entry: a client walking unknown ids cannot fill Redis.
- A query with ``category`` or ``exclude`` is answered from that entry when the filters leave enough
  items, else computed afresh and not cached. ``include_seen`` is always computed.
- An entry answers only for the model version being served; a hit keeps the entry's ``recomm_id``,
  a computed list gets a new one.
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

from accounts.models import User
from recengine.observability import metrics
from recommendations.serving import cache
from recommendations.serving.model import serving_model
from recommendations.serving.policy import ComputedList, recommendations_compute_many
from recommendations.serving.query import Query
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


def recommend(query: Query, *, record_stats: bool = True) -> Recommendations:
    """The list for one query (the module docstring says where it comes from)."""
    return recommend_many([query], record_stats=record_stats)[0]


def recommend_many(queries: Sequence[Query], *, record_stats: bool = True) -> list[Recommendations]:
    """The lists for these queries, in order, each exactly as ``recommend`` answers it.

    One MGET reads every user's cached entry; the misses are computed together (one history query,
    policy.recommendations_compute_many), and the plain ones stored in one pipelined write. A user
    asked for twice in one batch is computed once. ``record_stats=False`` leaves the dashboard's hit
    rate and the Prometheus counters alone (precompute, export and staff looking are not traffic).
    """
    now = timezone.now()
    current = serving_model()
    version = current.version_id if current else None
    entries, epoch = cache.recommendations_lookup_many(user_ids=[query.user_id for query in queries])
    answers: list[Recommendations | None] = []
    fallbacks: list[str] = []  # one reason per list served from popularity
    for query in queries:
        entry = entries.get(query.user_id)
        rows = _cached_answer(entry, query, version) if entry is not None else None
        if rows is None:
            answers.append(None)
            continue
        answers.append(Recommendations(query.user_id, rows, True, now, entry.model_version, entry.recomm_id))
        fallbacks += _entry_fallback(entry)
    hits = sum(answer is not None for answer in answers)
    computed = _compute_misses([q for q, answer in zip(queries, answers) if answer is None], epoch, now)
    if record_stats:
        cache_stats_record(hits=hits, misses=len(computed.lists))  # the staff dashboard's hit rate
    out = [computed.answer(query) if answer is None else answer for query, answer in zip(queries, answers)]
    fallbacks += [result.fallback for result, _ in computed.lists.values() if result.fallback]
    if record_stats:  # Prometheus: counted once the lists are there (a failure above counts nothing)
        metrics.lists_served(hits, len(computed.lists), fallbacks)
    return out


def _cached_answer(entry: cache.CachedList, query: Query, version: int | None) -> list[dict[str, Any]] | None:
    """The rows a cached entry answers this query with, or None (a miss)."""
    if query.include_seen or not _answers(entry, query.limit, version):
        return None
    if query.plain:
        return _cached_rows(entry, query.limit)
    rows = _cached_rows(entry)
    if rows is None:
        return None
    rows = _filter_rows(rows, query.categories, query.exclude)
    if len(rows) >= query.limit or entry.size < entry.limit:  # enough, or every item there is
        return rows[: query.limit]
    return None


@dataclass
class _Computed:
    """The lists computed for the misses of a batch: {plain user id or filtered query: (list, recomm_id)}."""

    lists: dict[Any, tuple[ComputedList, str]]
    now: datetime

    def answer(self, query: Query) -> Recommendations:
        result, recomm_id = self.lists[query.user_id if query.plain else query]
        return Recommendations(query.user_id, result.recommendations[: query.limit], False, self.now,
                               result.model_version, recomm_id)


def _compute_misses(misses: Sequence[Query], epoch: int | None, now: datetime) -> _Computed:
    """Compute the missed lists in one batch; cache the plain ones (computed for the longest limit)."""
    longest = max([settings.MAX_RECOMMENDATIONS_LIMIT, *(query.limit for query in misses if query.plain)])
    keys = list(dict.fromkeys(query.user_id if query.plain else query for query in misses))
    asked = [Query(key, longest) if isinstance(key, int) else key for key in keys]
    results = recommendations_compute_many(asked, epoch=epoch) if asked else []
    lists = {key: (result, uuid.uuid4().hex) for key, result in zip(keys, results)}
    unknown = _unknown_users([key for key, (result, _) in lists.items()
                              if isinstance(key, int) and result.source == "popularity"])
    fresh = {}
    for key, query in zip(keys, asked):
        if isinstance(key, int) and key not in unknown:
            result, recomm_id = lists[key]
            fresh[key] = {"model_version": result.model_version, "source": result.source, "limit": query.limit,
                          "recomm_id": recomm_id, "recommendations": result.recommendations}
            if result.fallback:
                fresh[key]["fallback"] = result.fallback
    cache.recommendations_set_many(entries=fresh, epoch=epoch)
    return _Computed(lists, now)


def _unknown_users(user_ids: list[int]) -> set[int]:
    """Which of these ids (lists that came from popularity) no user has: their lists are not cached, so
    ids that do not exist cannot fill Redis with private copies of the popular list (one query, only
    when such lists were computed; a personalized list has a history, so its user exists)."""
    if not user_ids:
        return set()
    return set(user_ids) - set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))


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


def _entry_fallback(entry: cache.CachedList) -> tuple[str, ...]:
    """The fallback reason of a cached list, as a tuple of zero or one (``unknown`` for older entries)."""
    if entry.fallback:
        return (entry.fallback,)
    return ("unknown",) if entry.source == "popularity" else ()


def _filter_rows(rows: list[dict[str, Any]], categories: Sequence[str], exclude: Sequence[int]) -> list:
    wanted, skip = set(categories), set(exclude)
    return [r for r in rows if r["item_id"] not in skip and (not wanted or r["category"] in wanted)]
