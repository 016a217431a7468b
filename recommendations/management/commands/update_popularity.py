"""``manage.py update_popularity``: recompute item popularity and print the top items."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from recommendations.lifecycle.popularity import popularity_update


class Command(BaseCommand):
    help = (
        "Recompute every item's popularity_score: the sum of the configured weights "
        "(settings.INTERACTION_WEIGHTS) of its interactions, divided by the largest such sum, so "
        "scores run from 0 to 1; items without interactions get 0. Prints the top items."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--half-life-days", type=float, default=None,
            help="decay each interaction's weight by 0.5 ** (age in days / this); default: no decay",
        )
        parser.add_argument("--top", type=int, default=10, help="how many top items to print (default 10)")

    def handle(self, *args, half_life_days: float | None, top: int, **options):
        if half_life_days is not None and half_life_days <= 0:
            raise CommandError("--half-life-days must be positive")
        top_items = popularity_update(half_life_days=half_life_days, top=top)
        if not top_items:
            self.stdout.write("No items.")
            return
        self.stdout.write(f"Top {len(top_items)} items by popularity:")
        for rank, item in enumerate(top_items, start=1):
            self.stdout.write(f"{rank:>3}. {item.popularity_score:.4f}  {item.item_code}  {item.name}")
