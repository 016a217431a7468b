"""Each user's computed recommendation list, in Redis under ``{CACHE_KEY_PREFIX}:{user_id}``.

The key is exactly ``user_rec:42`` (no Django key prefix or version), so other tools can read
and drop it. Values are JSON (see ``encode``). Redis is a speed-up, never a dependency: every Redis
error is logged and treated as a miss, and the request carries on without the cache.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from recengine.dbrouters import replica_configured

logger = logging.getLogger(__name__)

# Bump when the stored shape changes: entries of another version read as a miss.
FORMAT_VERSION = 3
# Incremented when an item is deactivated or deleted; entries carry the epoch they were made in.
CATALOG_EPOCH_KEY = "recengine:catalog_epoch"
# A stored value is one JSON object whose last key is the rows:
#   {"model_version":..,"source":..,"limit":..,"recomm_id":..,"format":3,"epoch":..,"ends":[..],
#    "recommendations":[{row},{row},...]}
# (plus "fallback":"<reason>" after "recomm_id" when the list came from popularity instead of the model)
# ``ends[i]`` is where row i ends, counted from the first row's "{". A hit for ``limit`` items
# parses the small header and only the first ``limit`` rows, not every row cached (up to
# MAX_RECOMMENDATIONS_LIMIT): about a tenth of the cost for the usual limit of 10.
ROWS_MARKER = b',"recommendations":['
ROWS_END = b"]}"
# With a read replica (recengine/dbrouters.py): a write that drops cached lists first leaves one of
# these for DATABASE_REPLICA_LAG_SECONDS ("catalog" after a catalog change, else the user's id), and
# lists are computed from the primary while one of their users' (or the catalog's) is there, so a
# list computed right after a write never misses it and is never cached without it.
PRIMARY_READS_KEY = "recengine:primary_reads:{}"


def user_key(user_id: int) -> str:
    return f"{settings.CACHE_KEY_PREFIX}:{user_id}"


def _redis():
    return get_redis_connection("default")


@dataclass(frozen=True, slots=True)
class CachedList:
    """One user's cached list: its header fields, and its rows parsed on demand."""

    model_version: int | None
    source: str
    limit: int  # how many rows were asked for when it was computed
    recomm_id: str
    size: int  # how many rows it holds (fewer than ``limit`` when nothing else qualified)
    raw: bytes = field(repr=False)
    start: int = field(repr=False)
    ends: list[int] = field(repr=False)
    # Why the list came from popularity (policy.ComputedList.fallback); None: from the model, or
    # an entry written before the field was (then ``source`` "popularity" says it fell back).
    fallback: str | None = None

    def rows(self, n: int | None = None) -> list[dict[str, Any]]:
        """The first ``n`` rows (all without ``n``), parsed from the stored bytes."""
        n = self.size if n is None else min(n, self.size)
        if n <= 0:
            return []
        return orjson.loads(b"[" + self.raw[self.start:self.start + self.ends[n - 1]] + b"]")


def encode(entry: dict[str, Any], epoch: int) -> bytes:
    """The stored bytes of an entry (``recommendations`` plus header fields) made in ``epoch``."""
    rows = [orjson.dumps(row) for row in entry["recommendations"]]
    ends, at = [], -1
    for row in rows:
        at += len(row) + 1  # the comma before every row but the first
        ends.append(at)
    header = {key: value for key, value in entry.items() if key != "recommendations"}
    header.update(format=FORMAT_VERSION, epoch=epoch, ends=ends)
    return orjson.dumps(header)[:-1] + ROWS_MARKER + b",".join(rows) + ROWS_END


def decode(raw: bytes, epoch: int) -> CachedList | None:
    """The entry in ``raw``, or None when it is of another format or epoch, or damaged."""
    split = raw.find(ROWS_MARKER)
    if split < 0 or not raw.endswith(ROWS_END):
        return None
    try:
        header = orjson.loads(raw[:split] + b"}")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION or header.get("epoch") != epoch:
        return None
    start, ends, limit = split + len(ROWS_MARKER), header.get("ends"), header.get("limit")
    if not isinstance(ends, list) or not isinstance(limit, int):
        return None
    # The rows end where the value does: a value cut short or edited by hand reads as a miss.
    if (ends[-1] if ends else 0) != len(raw) - len(ROWS_END) - start:
        return None
    return CachedList(header.get("model_version"), str(header.get("source", "")), limit,
                      str(header.get("recomm_id", "")), len(ends), raw, start, ends, header.get("fallback"))


def recommendations_lookup(*, user_id: int) -> tuple[CachedList | None, int | None]:
    """(the cached entry or None, the catalog epoch now; None when Redis failed), in one round trip.

    An entry made before an item was deactivated or deleted (an older catalog epoch) is a miss, so
    no cached list shows an item that can no longer be recommended. Redis errors read as a miss.
    """
    entries, epoch = recommendations_lookup_many(user_ids=[user_id])
    return entries.get(user_id), epoch


def recommendations_lookup_many(*, user_ids: Sequence[int]) -> tuple[dict[int, CachedList], int | None]:
    """({user id: entry} for the users with a usable entry, the catalog epoch now), one MGET.

    On a Redis error: no entries, and None for the epoch (unknown).
    """
    user_ids = list(user_ids)
    try:
        *raws, epoch = _redis().mget([*(user_key(user_id) for user_id in user_ids), CATALOG_EPOCH_KEY])
    except RedisError as exc:
        logger.warning("recommendation cache read failed for %d user(s): %s", len(user_ids), exc)
        return {}, None
    epoch = int(epoch or 0)
    entries = {}
    for user_id, raw in zip(user_ids, raws):
        if raw is None:
            continue
        entry = decode(raw, epoch)
        if entry is not None:
            entries[user_id] = entry
    return entries, epoch


def recommendations_get(*, user_id: int) -> CachedList | None:
    """The cached entry for this user, or None on a miss, a Redis error or an unreadable value."""
    return recommendations_lookup(user_id=user_id)[0]


def catalog_epoch_bump() -> None:
    """Invalidate every cached list at once (an item left the recommendable catalog)."""
    try:
        if replica_configured():
            pipe = _redis().pipeline(transaction=False)
            pipe.set(PRIMARY_READS_KEY.format("catalog"), 1, ex=_primary_reads_seconds())
            pipe.incr(CATALOG_EPOCH_KEY)
            pipe.execute()
        else:
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
            pipe.set(user_key(user_id), encode(entry, epoch), ex=settings.REDIS_TTL)
        pipe.execute()
    except RedisError as exc:
        logger.warning("recommendation cache write failed for %d user(s): %s", len(entries), exc)


def recommendations_drop(*, user_ids: Iterable[int]) -> None:
    """Forget the lists of these users, in one DEL call."""
    user_ids = set(user_ids)
    keys = [user_key(user_id) for user_id in user_ids]
    if not keys:
        return
    try:
        if replica_configured():
            # The markers first: whoever finds a list gone also finds its marker (see PRIMARY_READS_KEY).
            pipe = _redis().pipeline(transaction=False)
            seconds = _primary_reads_seconds()
            for user_id in user_ids:
                pipe.set(PRIMARY_READS_KEY.format(user_id), 1, ex=seconds)
            pipe.delete(*keys)
            pipe.execute()
        else:
            _redis().delete(*keys)
    except RedisError as exc:
        # The stale lists expire on their own after REDIS_TTL seconds.
        logger.warning("recommendation cache invalidation failed for %d users: %s", len(keys), exc)


def _primary_reads_seconds() -> int:
    return max(1, math.ceil(settings.DATABASE_REPLICA_LAG_SECONDS))


def primary_reads_needed(*, user_ids: Iterable[int]) -> bool:
    """Whether lists of these users must be computed from the primary: with a replica, a write for one
    of them (or to the catalog) happened less than DATABASE_REPLICA_LAG_SECONDS ago, or Redis cannot
    say. Always False without a replica (and then no Redis call)."""
    if not replica_configured():
        return False
    keys = [PRIMARY_READS_KEY.format(user_id) for user_id in dict.fromkeys(user_ids)]
    try:
        return any(value is not None for value in _redis().mget([*keys, PRIMARY_READS_KEY.format("catalog")]))
    except RedisError as exc:
        logger.warning("could not read the replica markers (%s); reading the primary", exc)
        return True
