"""Celery tasks of the catalog: thin wrappers around the service functions.

The popularity UPDATE is idempotent (it writes the same scores for the same log), so a message
redelivered after a broker hiccup repeats no effect; the advisory lock keeps two runs from
scanning the interaction log at the same time.
"""
from celery import shared_task
from django.db import InterfaceError, OperationalError

from catalog.popularity import popularity_update
from recengine.locks import advisory_lock

POPULARITY_LOCK = "catalog.update_popularity"


@shared_task(name="catalog.update_popularity", autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=True, max_retries=3, soft_time_limit=29 * 60, time_limit=30 * 60)
def update_popularity() -> dict:
    """Hourly: recompute items.popularity_score. Returns the ids of the top items."""
    with advisory_lock(POPULARITY_LOCK) as acquired:
        if not acquired:
            return {"status": "skipped", "reason": "already running"}
        top = popularity_update()
    return {"status": "done", "top_item_ids": [item.pk for item in top]}
