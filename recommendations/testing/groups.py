"""Seeded test data with two taste groups, sized so that a holdout split has something to find.

Readers buy books, listeners buy music, nobody crosses over; each user buys a random handful of
their group's items in a random order, so each user's latest purchase (the retrain guard's
holdout) is an item other users of the group bought earlier. Listeners outnumber readers, so
plain popularity serves readers music and loses clearly to any model that learns the groups.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from catalog.models import Item
from recommendations.models import Interaction


@dataclass
class TasteGroups:
    books: list[Item] = field(default_factory=list)
    music: list[Item] = field(default_factory=list)
    readers: list[User] = field(default_factory=list)
    listeners: list[User] = field(default_factory=list)

    @property
    def users(self) -> list[User]:
        return self.readers + self.listeners


def taste_groups_create(*, readers: int = 12, listeners: int = 36, items_per_group: int = 12, picks: int = 6,
                        seed: int = 7, days_ago: float = 1.0) -> TasteGroups:
    rng = random.Random(seed)
    data = TasteGroups()
    for category, bucket in (("books", data.books), ("music", data.music)):
        bucket.extend(
            Item.objects.create(item_code=f"{category[0]}{n}", name=f"{category} {n}", category=category)
            for n in range(items_per_group)
        )
    start = timezone.now() - timedelta(days=days_ago)
    rows = []
    for group, items, count in (("reader", data.books, readers), ("listener", data.music, listeners)):
        members = data.readers if group == "reader" else data.listeners
        for n in range(count):
            user = User.objects.create(username=f"{group}{n}")
            members.append(user)
            for k, item in enumerate(rng.sample(items, picks)):
                rows.append(Interaction(user=user, item=item, interaction_type="purchase", interaction_value=3.0,
                                        timestamp=start + timedelta(minutes=k)))
    Interaction.objects.bulk_create(rows)
    return data
