"""Counters of the recommendation cache: lists answered from Redis (hits) and computed (misses), per day.

One Redis hash per UTC day, ``recengine:cache_stats:YYYYMMDD`` with fields ``hits`` and ``misses``,
kept 35 days. Each process adds up its counts and writes them in one pipelined round trip at most
every CACHE_STATS_FLUSH_SECONDS (1 s; 0 writes on every request); like the cache itself it never
breaks a request: Redis errors are logged and the figures are simply lower.
"""
from __future__ import annotations

import atexit
import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

KEY_PREFIX = "recengine:cache_stats:"
KEEP_SECONDS = 35 * 24 * 3600


@dataclass(frozen=True)
class DayStats:
    day: date
    hits: int
    misses: int

    @property
    def requests(self) -> int:
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.requests if self.requests else None


def day_key(day: date) -> str:
    return f"{KEY_PREFIX}{day:%Y%m%d}"


def cache_stats_record(hits: int, misses: int) -> None:
    """Count hits and misses for today; written to Redis at most every CACHE_STATS_FLUSH_SECONDS.

    Counting in the process and writing once a second keeps a Redis round trip off nearly every
    request; a process killed outright loses at most that second's counts (a normal exit flushes).
    """
    if not (hits or misses):
        return
    day = timezone.now().date()
    now = time.monotonic()
    with _lock:
        counts = _pending.setdefault(day, [0, 0])
        counts[0] += hits
        counts[1] += misses
        due = now - _flushed[0] >= settings.CACHE_STATS_FLUSH_SECONDS
    if due:
        cache_stats_flush()


def cache_stats_flush() -> None:
    """Write the counts this process holds (one pipelined round trip for all pending days)."""
    with _lock:
        pending = dict(_pending)
        _pending.clear()
        _flushed[0] = time.monotonic()
    if not pending:
        return
    try:
        pipe = get_redis_connection("default").pipeline(transaction=False)
        for day, (hits, misses) in pending.items():
            key = day_key(day)
            if hits:
                pipe.hincrby(key, "hits", hits)
            if misses:
                pipe.hincrby(key, "misses", misses)
            pipe.expire(key, KEEP_SECONDS)
        pipe.execute()
    except RedisError as exc:
        logger.warning("could not count %d cache hit(s) and %d miss(es): %s",
                       sum(c[0] for c in pending.values()), sum(c[1] for c in pending.values()), exc)


_lock = threading.Lock()
_pending: dict[date, list[int]] = {}
_flushed = [time.monotonic()]
atexit.register(cache_stats_flush)


def cache_stats_days(n: int) -> list[DayStats]:
    """The last ``n`` days up to today, oldest first; days without figures (or Redis down) count 0."""
    today = timezone.now().date()
    days = [today - timedelta(days=back) for back in range(n - 1, -1, -1)]
    try:
        pipe = get_redis_connection("default").pipeline(transaction=False)
        for day in days:
            pipe.hmget(day_key(day), "hits", "misses")
        values = pipe.execute()
    except RedisError as exc:
        logger.warning("could not read the cache counters: %s", exc)
        values = [(None, None)] * len(days)
    return [DayStats(day, int(hits or 0), int(misses or 0)) for day, (hits, misses) in zip(days, values)]
