"""Keep cached recommendation lists honest when an item leaves the recommendable catalog."""
from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver

from catalog.models import Item


def _bump_after_commit() -> None:
    from recommendations.serving.cache import catalog_epoch_bump

    transaction.on_commit(catalog_epoch_bump)


@receiver(post_init, sender=Item)
def _remember_active(sender, instance: Item, **kwargs) -> None:
    instance._was_active = instance.is_active if instance.pk else False


@receiver(post_save, sender=Item)
def _item_saved(sender, instance: Item, created: bool, **kwargs) -> None:
    # Only a change from active to inactive matters: re-saving an inactive item (a catalog sync
    # does that all the time) must not wipe every cached list.
    if not created and instance._was_active and not instance.is_active:
        _bump_after_commit()
    instance._was_active = instance.is_active


@receiver(post_delete, sender=Item)
def _item_deleted(sender, instance: Item, **kwargs) -> None:
    if instance._was_active:
        _bump_after_commit()
