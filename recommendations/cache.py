"""Each user's computed recommendation list, in Redis under ``{CACHE_KEY_PREFIX}:{user_id}``.

The key is exactly ``user_rec:42`` (no Django key prefix or version), so other tools can read
and drop it. Values are orjson bytes. Redis is a speed-up, never a dependency: every Redis
error is logged and treated as a miss, and the request carries on without the cache.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Bump when the stored shape changes: entries of another version read as a miss.
FORMAT_VERSION = 2
# Incremented when an item is deactivated or deleted; entries carry the epoch they were made in.
CATALOG_EPOCH_KEY = "recengine:catalog_epoch"


def user_key(user_id: int) -> str:
    return f"{settings.CACHE_KEY_PREFIX}:{user_id}"


def _redis():
    return get_redis_connection("default")


def recommendations_lookup(*, user_id: int) -> tuple[dict[str, Any] | None, int]:
    """(the cached entry or None, the catalog epoch now), in one Redis round trip.

    An entry made before an item was deactivated or deleted (an older catalog epoch) is a miss, so
    no cached list shows an item that can no longer be recommended. Redis errors read as a miss.
    """
    entries, epoch = recommendations_lookup_many(user_ids=[user_id])
    return entries.get(user_id), epoch


def recommendations_lookup_many(*, user_ids: Sequence[int]) -> tuple[dict[int, dict[str, Any]], int]:
    """({user id: entry} for the users with a usable entry, the catalog epoch now), one MGET."""
    user_ids = list(user_ids)
    try:
        *raws, epoch = _redis().mget([*(user_key(user_id) for user_id in user_ids), CATALOG_EPOCH_KEY])
    except RedisError as exc:
        logger.warning("recommendation cache read failed for %d user(s): %s", len(user_ids), exc)
        return {}, 0
    epoch = int(epoch or 0)
    entries = {}
    for user_id, raw in zip(user_ids, raws):
        if raw is None:
            continue
        try:
            entry = orjson.loads(raw)
        except orjson.JSONDecodeError:
            logger.warning("unreadable recommendation cache entry for user %s; ignoring it", user_id)
            continue
        if isinstance(entry, dict) and entry.get("format") == FORMAT_VERSION and entry.get("epoch") == epoch:
            entries[user_id] = entry
    return entries, epoch


def recommendations_get(*, user_id: int) -> dict[str, Any] | None:
    """The cached entry for this user, or None on a miss, a Redis error or an unreadable value."""
    return recommendations_lookup(user_id=user_id)[0]


def catalog_epoch_bump() -> None:
    """Invalidate every cached list at once (an item left the recommendable catalog)."""
    try:
        _redis().incr(CATALOG_EPOCH_KEY)
    except RedisError as exc:
        logger.warning("could not invalidate cached lists after a catalog change: %s", exc)


def recommendations_set(*, user_id: int, entry: dict[str, Any], epoch: int | None = None) -> None:
    """Store the entry with the configured TTL; a Redis error only costs the next request a miss.

    ``epoch`` is the catalog epoch read before the list was computed (see recommendations_lookup).
    """
    recommendations_set_many(entries={user_id: entry}, epoch=epoch)


def recommendations_set_many(*, entries: dict[int, dict[str, Any]], epoch: int | None = None) -> None:
    """Store several users' entries in one pipelined round trip (see recommendations_set)."""
    if not entries:
        return
    try:
        redis = _redis()
        if epoch is None:
            epoch = int(redis.get(CATALOG_EPOCH_KEY) or 0)
        pipe = redis.pipeline(transaction=False)
        for user_id, entry in entries.items():
            pipe.set(user_key(user_id), orjson.dumps({**entry, "format": FORMAT_VERSION, "epoch": epoch}),
                     ex=settings.REDIS_TTL)
        pipe.execute()
    except RedisError as exc:
        logger.warning("recommendation cache write failed for %d user(s): %s", len(entries), exc)


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
