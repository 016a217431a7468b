"""Named locks across processes and machines: PostgreSQL session advisory locks.

A background job takes its lock with ``pg_try_advisory_lock`` on a connection of its own, held
for as long as the job runs. Why PostgreSQL rather than a Redis lock with a TTL: the lock lives
exactly as long as the connection, so a worker killed mid-job (OOM, kill -9, lost host) releases
it when its connection drops, and a two-hour retrain never has to guess a TTL or extend one.
Why a dedicated connection: Django's own connection may be closed, pooled or reset by the job
(a session lock on it would vanish silently), and transaction-level locks would force the whole
job into one transaction.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connections


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (advisory locks are keyed by bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def advisory_lock(name: str, *, using: str = "default") -> Iterator[bool]:
    """Try to take the lock ``name`` without waiting; yield whether this process got it.

    The caller must check the value: ``False`` means another process holds the lock right now.
    """
    params = connections[using].get_connection_params()
    key = lock_key(name)
    with psycopg.connect(**params, autocommit=True, application_name=f"recengine lock {name}"[:63]) as conn:
        acquired = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0])
        try:
            yield acquired
        finally:
            if acquired and not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", [key])

