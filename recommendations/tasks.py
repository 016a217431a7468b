"""Celery tasks of the recommendations app: thin wrappers around ``recommendations.lifecycle.jobs``.

Tasks take ids and plain values, never model instances, and return JSON-ready dicts (stored by
django-celery-results, where staff see them in the admin). Every body is idempotent and the
jobs take their own locks, so a message redelivered after a broker hiccup (acks_late) or a
second beat run repeats no effect. The retrain task is routed to the training queue (settings).
"""
from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from recengine.locks import advisory_lock
from recommendations.lifecycle import jobs
from recommendations.lifecycle.popularity import popularity_update

# Transient database trouble: worth another try a little later.
RETRY_ON = (OperationalError, InterfaceError)
# The task and lock keep the names they had when popularity lived in the catalog app, so beat rows,
# queued messages and dashboards of an existing deployment still find them.
POPULARITY_LOCK = "catalog.update_popularity"


@shared_task(name="catalog.update_popularity", autoretry_for=RETRY_ON, retry_backoff=True, max_retries=3,
             soft_time_limit=29 * 60, time_limit=30 * 60)
def update_popularity() -> dict:
    """Hourly: recompute items.popularity_score. Returns the ids of the top items.

    The UPDATE is idempotent (the same scores for the same log), so a redelivered message repeats no
    effect; the advisory lock keeps two runs from scanning the interaction log at the same time.
    """
    with advisory_lock(POPULARITY_LOCK) as acquired:
        if not acquired:
            return {"status": "skipped", "reason": "already running"}
        top = popularity_update()
    return {"status": "done", "top_item_ids": [item.pk for item in top]}


@shared_task(name="recommendations.retrain")
def retrain(algorithm: str | None = None, params: dict | None = None, force: bool = False) -> dict:
    """Nightly: retrain unless the data is unchanged; the retrain guard decides on activation.

    Lists cached for the previous version stop answering once a new one is active, so an
    activation queues the precompute fan-out straight away rather than waiting for its schedule.
    """
    outcome = jobs.model_retrain(algorithm=algorithm, params=params, force=force)
    if outcome.status == "activated":
        precompute_recently_active.delay()
    return outcome.as_dict()


@shared_task(name="recommendations.precompute", autoretry_for=RETRY_ON, retry_backoff=True, max_retries=3,
             soft_time_limit=14 * 60, time_limit=15 * 60)
def precompute(user_ids: list[int]) -> int:
    """One chunk of the fan-out: compute and cache these users' lists. Returns how many."""
    return jobs.recommendations_precompute(user_ids=user_ids)


@shared_task(name="recommendations.precompute_recently_active", autoretry_for=RETRY_ON, retry_backoff=True,
             max_retries=3, soft_time_limit=14 * 60, time_limit=15 * 60)
def precompute_recently_active(days: int | None = None, chunk_size: int | None = None) -> dict:
    """Nightly, after the retrain: fan out precompute chunks for recently active users."""
    return jobs.precompute_recently_active(
        days=days or settings.PRECOMPUTE_DAYS, chunk_size=chunk_size or settings.PRECOMPUTE_CHUNK_SIZE,
    ).as_dict()


@shared_task(name="recommendations.artifacts_cleanup", autoretry_for=RETRY_ON, retry_backoff=True, max_retries=3,
             soft_time_limit=9 * 60, time_limit=10 * 60)
def artifacts_cleanup(keep: int | None = None) -> dict:
    """Daily: delete the artifacts of old inactive versions, keeping the newest ``keep`` and the active one."""
    return jobs.artifacts_cleanup(keep=settings.ARTIFACTS_KEEP if keep is None else keep).as_dict()
