"""Each user's computed recommendation list, in Redis under ``{CACHE_KEY_PREFIX}:{user_id}``.

The key is exactly ``user_rec:42`` (no Django key prefix or version), so other tools can read
and drop it. Values are orjson bytes. Redis is a speed-up, never a dependency: every Redis
error is logged and treated as a miss, and the request carries on without the cache.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import orjson
from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Bump when the stored shape changes: entries of another version read as a miss.
FORMAT_VERSION = 1


def user_key(user_id: int) -> str:
    return f"{settings.CACHE_KEY_PREFIX}:{user_id}"


def _redis():
    return get_redis_connection("default")


def recommendations_get(*, user_id: int) -> dict[str, Any] | None:
    """The cached entry for this user, or None on a miss, a Redis error or an unreadable value."""
    try:
        raw = _redis().get(user_key(user_id))
    except RedisError as exc:
        logger.warning("recommendation cache read failed for user %s: %s", user_id, exc)
        return None
    if raw is None:
        return None
    try:
        entry = orjson.loads(raw)
    except orjson.JSONDecodeError:
        logger.warning("unreadable recommendation cache entry for user %s; ignoring it", user_id)
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT_VERSION:
        return None
    return entry


def recommendations_set(*, user_id: int, entry: dict[str, Any]) -> None:
    """Store the entry with the configured TTL; a Redis error only costs the next request a miss."""
    value = orjson.dumps({**entry, "format": FORMAT_VERSION})
    try:
        _redis().set(user_key(user_id), value, ex=settings.REDIS_TTL)
    except RedisError as exc:
        logger.warning("recommendation cache write failed for user %s: %s", user_id, exc)


def recommendations_drop(*, user_ids: Iterable[int]) -> None:
    """Forget the lists of these users, in one DEL call."""
    keys = [user_key(user_id) for user_id in set(user_ids)]
    if not keys:
        return
    try:
        _redis().delete(*keys)
    except RedisError as exc:
        # The stale lists expire on their own after REDIS_TTL seconds.
        logger.warning("recommendation cache invalidation failed for %d users: %s", len(keys), exc)
