"""``manage.py generate_demo_data``: synthetic users, items and interactions for demos and benchmarks."""
from __future__ import annotations

from datetime import UTC, datetime, time

from django.core.management.base import BaseCommand, CommandError

from recommendations.demo.data import default_end, demo_data_create, demo_data_delete


class Command(BaseCommand):
    help = (
        "Generate a believable shop: 21 categories of named products with tags and price bands, "
        "shoppers whose tastes follow a category, its complement (a tent and hiking boots, a phone and "
        "a case), a style tag and a price band; views about 20 times as many as purchases, purchases of "
        "viewed items, repeat views, over the last 90 days with a weekly rhythm; power-law popularity and "
        "activity. Users are 'demo<n>', items 'DEMO-<n>'. The same arguments (and --end-date) give the same "
        "data, and a re-run adds nothing. See recommendations/demo/data.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=1000)
        parser.add_argument("--items", type=int, default=500)
        parser.add_argument("--interactions", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--end-date", type=_date, default=None,
            help="YYYY-MM-DD: interactions fall in the 90 days before this date (default: today, UTC)",
        )
        parser.add_argument("--clear", action="store_true", help="delete existing demo users and items first")

    def handle(self, *args, users, items, interactions, seed, end_date, clear, **options):
        if users < 1 or items < 1 or interactions < 0:
            raise CommandError("--users and --items must be at least 1, --interactions at least 0")
        if clear:
            self.stdout.write(f"Deleted {demo_data_delete()} demo rows (users, items, interactions).")
        result = demo_data_create(
            users=users, items=items, interactions=interactions, seed=seed, end=end_date or default_end()
        )
        self.stdout.write(
            f"Demo data (seed {seed}): {result.users_created} users, {result.items_created} items, "
            f"{result.interactions_created} interactions created "
            f"(generated in {result.seconds_generating:.1f} s, written in {result.seconds_writing:.1f} s)."
        )


def _date(text: str) -> datetime:
    return datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), time(0), tzinfo=UTC)
