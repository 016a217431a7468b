"""Reads that tolerate replica lag go to a PostgreSQL read replica; everything else to the primary.

Active only when ``DATABASE_REPLICA_URL`` is set (``settings.DATABASE_REPLICA_READS``); without it
every method answers None and Django routes exactly as it would with no router at all.

The rule (docs/deployment.md, "Read replica"). A read goes to the ``replica`` alias only when all
of these hold; otherwise it goes to ``default`` (the primary):

1. the code asked for it: it runs inside ``replica_reads()``. Only the paths that can live with
   data a moment old open one: computing recommendation lists (``policy.recommendations_compute_many``:
   the API's cache misses, the precompute, the export, ``manage.py recommend``), and the precompute's
   and the export's scans for user ids. API views (a client's ``PUT`` then ``GET``), authentication
   (tokens, sessions), the admin, Celery beat and results, training and every job's bookkeeping
   never do, so they always read the primary;
2. the model is one of ``REPLICA_MODELS`` (items, interactions, users): model versions (which one
   is active), tokens, sessions, beat schedules and every model added later stay on the primary
   until someone decides otherwise;
3. no ``primary()`` block is open, the primary connection is not inside ``transaction.atomic``
   (a transaction must see its own writes and one snapshot), and nothing was written through the
   ORM since the ``replica_reads()`` block opened (the block then sticks to the primary).

Read-your-writes across requests (a ``POST /interactions`` followed by a ``GET /recommendations``,
possibly in another process) is kept by the callers, not here: a write that drops a user's cached
list also leaves a marker in Redis for ``DATABASE_REPLICA_LAG_SECONDS``, and the list computation
reads from the primary while it is there (recommendations/serving/cache.py, ``primary_reads_needed``).

A replica that cannot be reached costs one request per process the pool's wait (REQUEST_TIMEOUT):
``replica_or_primary`` then runs the work again on the primary, and that process reads the primary
only for the next REPLICA_RETRY_SECONDS. Writes always go to the primary, migrations run only there,
and objects read from either alias may be related to each other (they are the same database).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    connections,
    router,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")
# After the replica failed, this process reads the primary for this long before trying it again.
REPLICA_RETRY_SECONDS = 30.0

REPLICA = "replica"
# "app_label.model_name" of the models whose reads may come from the replica (inside replica_reads()).
REPLICA_MODELS = frozenset({"catalog.item", "recommendations.interaction", "accounts.user"})
ALIASES = frozenset({DEFAULT_DB_ALIAS, REPLICA})


@dataclass
class _Block:
    primary: bool  # a primary() block: every read to the primary
    wrote: bool = False  # an ORM write happened inside this replica_reads() block


_block: ContextVar[_Block | None] = ContextVar("recengine_db_block", default=None)


def replica_configured() -> bool:
    """Whether replica reads are on: DATABASE_REPLICA_URL set (and a ``replica`` alias exists)."""
    return bool(getattr(settings, "DATABASE_REPLICA_READS", False)) and REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads of REPLICA_MODELS inside may come from the replica (the code accepts data a moment old).

    An enclosing ``primary()`` or ``replica_reads()`` block stays in force. Threads started inside do not inherit the block (they read
    the primary). Do not yield from a generator inside it: the block would cover the caller too.
    """
    outer = _block.get()  # inside another block (primary, or replica that may have written): keep it
    token = _block.set(outer if outer is not None else _Block(primary=False))
    try:
        yield
    finally:
        _block.reset(token)


@contextmanager
def primary() -> Iterator[None]:
    """Every read inside goes to the primary, also inside a ``replica_reads()`` block."""
    token = _block.set(_Block(primary=True))
    try:
        yield
    finally:
        _block.reset(token)


class _Resting:
    lock = threading.Lock()
    until = 0.0  # time.monotonic() before which this process does not try the replica


def replica_or_primary(work: Callable[[], T]) -> T:
    """``work()`` inside ``replica_reads()``; on the primary when the replica fails (or failed lately).

    ``work`` must only read: it may run twice (the replica's attempt, then the primary's).
    """
    if not replica_configured() or time.monotonic() < _Resting.until:
        return work()
    try:
        with replica_reads():
            return work()
    except (OperationalError, InterfaceError) as exc:
        with _Resting.lock:
            _Resting.until = time.monotonic() + REPLICA_RETRY_SECONDS
        logger.warning("read replica failed (%s); reading the primary for the next %gs", exc, REPLICA_RETRY_SECONDS)
        connections[REPLICA].close_if_unusable_or_obsolete()
        return work()


def replica_rest_reset() -> None:
    """Try the replica again at the next read (tests)."""
    _Resting.until = 0.0


def read_alias(model) -> str:
    """The alias a read of ``model`` goes to now: for raw SQL, ``connections[read_alias(Model)]``."""
    return router.db_for_read(model)


def _replica_allowed(model) -> bool:
    block = _block.get()
    if block is None or block.primary or block.wrote:
        return False
    if model._meta.label_lower not in REPLICA_MODELS:
        return False
    return not connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: see the module docstring for the rule."""

    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        return REPLICA if _replica_allowed(model) else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        if not replica_configured():
            return None
        block = _block.get()
        if block is not None and not block.primary:
            block.wrote = True  # later reads of this block must see the write
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        if obj1._state.db in ALIASES and obj2._state.db in ALIASES:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema through replication: migrate the primary only.
        return db == DEFAULT_DB_ALIAS
