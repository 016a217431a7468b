"""A per-process table of the item fields a recommendation list shows, read from PostgreSQL on demand.

A cache miss of ``GET /recommendations/{id}`` needs the code, name and category of about 120
candidate items and of the user's history items. Read from the database every time, that was an
index probe per item and about a millisecond per request; nearly all of them are the same few
thousand items again and again. ``item_rows`` keeps the rows it has read, so a miss usually needs
no item query at all.

How fresh: the whole table is dropped when the catalog epoch changes (an item was deactivated or
deleted anywhere: recommendations/serving/cache.py), after ``ITEM_ROWS_CACHE_SECONDS`` (default 60), and
when it grows past ``ITEM_ROWS_CACHE_MAX`` rows. A save or delete of an item in this process drops
that item at once. So an item renamed, re-categorised or re-activated in another process shows in
new lists within a minute, as new items do (recommendations/serving/content.py); an item that
stopped being recommendable is never shown, as before.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import Item
from recengine.dbrouters import read_alias

# The fields of an item that a list needs: what a list entry shows (``item_entry``) and its popularity.
ITEM_FIELDS = ("id", "item_code", "name", "category", "popularity_score")
FIELDS = (*ITEM_FIELDS, "is_active")
ROWS_SQL = f"SELECT {', '.join(FIELDS)} FROM {Item._meta.db_table} WHERE id = ANY(%s::bigint[])"


class _Table:
    def __init__(self):
        self.lock = threading.Lock()
        self.rows: dict[int, dict[str, Any] | None] = {}  # None: no such item
        self.epoch: int | None = None
        self.started = time.monotonic()


_table = _Table()


def item_rows(item_ids: Iterable[int], *, epoch: int | None = None) -> dict[int, dict[str, Any]]:
    """{id: row} of the given items that exist (active or not); each row holds FIELDS.

    ``epoch``: the catalog epoch the caller read from Redis (None: unknown, then only the age
    and size limits apply). Rows are shared: callers must not change them.
    """
    ids = [int(i) for i in item_ids]
    table = _table
    now = time.monotonic()
    if (epoch is not None and epoch != table.epoch) or now - table.started >= settings.ITEM_ROWS_CACHE_SECONDS \
            or len(table.rows) > settings.ITEM_ROWS_CACHE_MAX:
        with table.lock:
            table.rows = {}
            table.epoch = epoch if epoch is not None else table.epoch
            table.started = now
    rows = table.rows
    missing = [i for i in dict.fromkeys(ids) if i not in rows]
    if missing:
        with connections[read_alias(Item)].cursor() as cursor:  # the replica inside replica_reads()
            cursor.execute(ROWS_SQL, [missing])
            found = {row[0]: dict(zip(FIELDS, row)) for row in cursor.fetchall()}
        for item_id in missing:
            rows[item_id] = found.get(item_id)
    out = {}
    for item_id in ids:
        row = rows.get(item_id)
        if row is not None:
            out[item_id] = row
    return out


def forget_item_rows(item_ids: Iterable[int] | None = None) -> None:
    """Drop these items' rows from this process's table, or every row (no argument)."""
    with _table.lock:
        if item_ids is None:
            _table.rows = {}
            _table.started = time.monotonic()
            return
        for item_id in item_ids:
            _table.rows.pop(int(item_id), None)


@receiver(post_save, sender=Item, dispatch_uid="recommendations.serving.item_rows.saved")
@receiver(post_delete, sender=Item, dispatch_uid="recommendations.serving.item_rows.deleted")
def _item_changed(sender, instance: Item, **kwargs) -> None:
    forget_item_rows([instance.pk])


def active_item_rows(item_ids: Iterable[int], *, epoch: int | None = None) -> dict[int, dict[str, Any]]:
    """``item_rows`` of these items that are still active (the ones a list may show)."""
    ids = list(item_ids)
    if not ids:
        return {}
    return {item_id: row for item_id, row in item_rows(ids, epoch=epoch).items() if row["is_active"]}


def item_entry(row: dict[str, Any], score: float, reason: str) -> dict[str, Any]:
    """An item as every list shows it (recommendations, similar, popular): the API's row shape."""
    return {
        "item_id": row["id"],
        "item_code": row["item_code"],
        "name": row["name"],
        "category": row["category"],
        "score": round(float(score), 6),
        "reason": reason,
    }
