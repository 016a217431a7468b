"""Cached lists follow changes made elsewhere: the receivers recommendations/apps.py connects.

- An item leaves the catalog (catalog/signals.py ``items_left_catalog``, sent after commit): the
  catalog epoch moves on, so every cached list is stale at once (serving/cache.py).
- A user is deleted: their cached list is dropped once the deletion commits.
"""
from __future__ import annotations

from functools import partial

from django.db import transaction

from recommendations.serving.cache import catalog_epoch_bump, recommendations_drop


def items_left_catalog(sender, item_ids, **kwargs) -> None:
    catalog_epoch_bump()


def user_deleted(sender, instance, **kwargs) -> None:
    transaction.on_commit(partial(recommendations_drop, user_ids=[instance.pk]))
