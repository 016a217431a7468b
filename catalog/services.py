"""Workflows around catalog items."""
from __future__ import annotations

from typing import Any

from catalog.models import Item


def item_upsert(*, item_code: str, **fields: Any) -> tuple[Item, bool]:
    """Create the item with this code, or update it; returns (item, created).

    Safe under concurrency: update_or_create locks an existing row and retries a lost insert race.
    `fields` are Item fields other than item_code; the ones left out keep their value (or default).
    """
    return Item.objects.update_or_create(item_code=item_code, defaults=fields)
