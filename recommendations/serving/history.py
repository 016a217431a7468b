"""A user's history as the policy scores it: the newest interactions, weighted as in training.

Read at request time (one query for any number of users), so a new interaction changes the next
list without retraining.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections

from recengine.dbrouters import read_alias
from recommendations.engine.data import SECONDS_PER_DAY
from recommendations.models import Interaction
from recommendations.serving.item_rows import item_rows


@dataclass
class History:
    """The user's recent interactions, newest first."""

    item_ids: np.ndarray
    weights: np.ndarray
    categories: list[str]
    codes: dict[int, str]

    def __len__(self) -> int:
        return len(self.item_ids)


def histories_load(user_ids: Sequence[int], transform=None, *, epoch: int | None = None) -> dict[int, History]:
    """Each user's newest HISTORY_LIMIT interactions, one query; their items' category and code from
    the process's item table (recommendations/serving/item_rows.py, ``epoch`` as there).

    A LATERAL join walks the (user, -timestamp) index once per user with a LIMIT, so a heavy user
    costs no more than HISTORY_LIMIT rows, for one user or a thousand. ``transform`` turns the raw
    interaction values into the weights the model was trained with (``ServingModel.history_weights``);
    it is applied before the time decay, as in training.
    """
    ids = sorted({int(u) for u in user_ids})
    rows_by_user: dict[int, list[tuple]] = {user_id: [] for user_id in ids}
    if ids:
        with connections[read_alias(Interaction)].cursor() as cursor:
            cursor.execute(HISTORIES_SQL, [ids, settings.HISTORY_LIMIT])
            for row in cursor.fetchall():
                rows_by_user[row[0]].append(row)
    items = item_rows({row[1] for rows in rows_by_user.values() for row in rows}, epoch=epoch)
    now = time.time()
    return {user_id: _history(rows, items, transform, now) for user_id, rows in rows_by_user.items()}


HISTORIES_SQL = f"""
SELECT u.user_id, h.item_id, h.interaction_value, EXTRACT(EPOCH FROM h.timestamp)::float8
FROM unnest(%s::bigint[]) AS u(user_id)
CROSS JOIN LATERAL (
    SELECT i.item_id, i.interaction_value, i.timestamp, i.id
    FROM {Interaction._meta.db_table} i
    WHERE i.user_id = u.user_id
    ORDER BY i.timestamp DESC, i.id DESC
    LIMIT %s
) h
ORDER BY u.user_id, h.timestamp DESC, h.id DESC
"""


def _history(rows: list[tuple], items: dict[int, dict[str, Any]], transform, now: float) -> History:
    item_ids = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    weights = np.fromiter((r[2] for r in rows), dtype=np.float32, count=len(rows))
    if transform is not None:
        weights = np.asarray(transform(weights), dtype=np.float32)
    half_life = settings.RECENCY_HALF_LIFE_DAYS
    if half_life and rows:
        ages = np.maximum(now - np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows)), 0.0)
        weights = (weights * np.exp2(-ages / SECONDS_PER_DAY / half_life)).astype(np.float32)
    known = [items.get(r[1]) for r in rows]
    return History(item_ids, weights, [item["category"] for item in known if item and item["category"]],
                   {r[1]: item["item_code"] for r, item in zip(rows, known) if item})


def history_load(user_id: int, transform=None) -> History:
    """One user's history (see histories_load)."""
    return histories_load([user_id], transform)[user_id]
