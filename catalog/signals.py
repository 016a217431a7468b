"""What the catalog tells the rest of the project about its changes; the catalog imports no other app.

``items_left_catalog`` is sent, after commit, when active items stop being recommendable: deactivated
(one save, or ``items_set_active`` in one UPDATE) or deleted. Whoever keeps lists of items connects to
it; the recommendations app drops its cached lists (its ``AppConfig.ready``). A re-save of an item
that was already inactive sends nothing: a catalog sync does that all the time.
"""
from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import Signal, receiver

from catalog.models import Item

# Sent with sender=Item and item_ids (a list of ids), once the transaction that changed them commits.
items_left_catalog = Signal()


def items_left_catalog_on_commit(item_ids) -> None:
    """Send ``items_left_catalog`` for these ids once the current transaction commits (at once outside one)."""
    item_ids = list(item_ids)
    transaction.on_commit(lambda: items_left_catalog.send(sender=Item, item_ids=item_ids))


@receiver(post_init, sender=Item)
def _remember_active(sender, instance: Item, **kwargs) -> None:
    instance._was_active = instance.is_active if instance.pk else False


@receiver(post_save, sender=Item)
def _item_saved(sender, instance: Item, created: bool, **kwargs) -> None:
    # Only a change from active to inactive matters.
    if not created and instance._was_active and not instance.is_active:
        items_left_catalog_on_commit([instance.pk])
    instance._was_active = instance.is_active


@receiver(post_delete, sender=Item)
def _item_deleted(sender, instance: Item, **kwargs) -> None:
    if instance._was_active:
        items_left_catalog_on_commit([instance.pk])
