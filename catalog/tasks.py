"""Celery tasks of the catalog: thin wrappers around the service functions."""
from celery import shared_task

from catalog.popularity import popularity_update


@shared_task(name="catalog.update_popularity")
def update_popularity() -> int:
    """Hourly: recompute items.popularity_score. Returns how many items were ranked."""
    return len(popularity_update())
