"""Tiny data with two clear taste clusters, for tests that train a real model.

Books a1..a5 and music b1..b5. Four readers each bought four of the books, four listeners four of
the records; nobody crosses over. Music is more popular overall, so a list that starts with books
for a reader shows the model (or the category bias) at work, not plain popularity.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from catalog.models import Item
from recommendations.models import Interaction

# Books scored x2 (CATEGORY_BOOST) interleave with music without a tie: .72 .64 .60 .56 .55 ...
POPULARITY = {
    "a1": 0.40, "a2": 0.36, "a3": 0.32, "a4": 0.28, "a5": 0.24,
    "b1": 0.60, "b2": 0.55, "b3": 0.50, "b4": 0.45, "b5": 0.42,
}


@dataclass
class Clusters:
    items: dict[str, Item]
    readers: list[User] = field(default_factory=list)
    listeners: list[User] = field(default_factory=list)

    def ids(self, *codes: str) -> list[int]:
        return [self.items[code].pk for code in codes]


def clusters_create() -> Clusters:
    items = {
        code: Item.objects.create(
            item_code=code, name=code.upper(), category="books" if code[0] == "a" else "music",
            popularity_score=score,
        )
        for code, score in POPULARITY.items()
    }
    data = Clusters(items)
    for n in range(4):
        data.readers.append(_user_with(f"reader{n}", [items[f"a{i}"] for i in range(1, 6) if i != n + 1]))
        data.listeners.append(_user_with(f"listener{n}", [items[f"b{i}"] for i in range(1, 6) if i != n + 1]))
    return data


def _user_with(username: str, items: list[Item]) -> User:
    user = User.objects.create(username=username)
    interactions_add(user, items)
    return user


def interactions_add(user: User, items: list[Item], interaction_type: str = "purchase") -> None:
    """One interaction per item, the last one newest."""
    start = timezone.now() - timedelta(hours=1)
    Interaction.objects.bulk_create(
        Interaction(user=user, item=item, interaction_type=interaction_type, interaction_value=3.0,
                    timestamp=start + timedelta(seconds=n))
        for n, item in enumerate(items)
    )


def listing(api, user_id, **params) -> dict:
    """GET /recommendations/{user_id} with these query parameters; asserts a 200 and returns the body."""
    response = api.get(f"/recommendations/{user_id}", params)
    assert response.status_code == 200, response.json()
    return response.json()
