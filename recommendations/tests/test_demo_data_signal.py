"""What a person sees once a model is trained on the demo data (the ``make run`` size): similar items
and ``similar_to`` reasons that name related items (same category or a complementary one)."""
from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from accounts.models import User
from catalog.models import Item
from recommendations.demo.catalog import related

pytestmark = pytest.mark.django_db
SAMPLE = 60


@pytest.fixture
def demo_shop(train):
    """The data ``make run`` loads (1,000 users, 500 items, 20,000 interactions) and an item-kNN model."""
    call_command("generate_demo_data", "--seed", "7", "--end-date", "2026-03-01", stdout=StringIO())
    train("itemknn")
    return {item.id: item for item in Item.objects.all()}


def sample(ids, n: int = SAMPLE) -> list[int]:
    return np.random.default_rng(0).choice(sorted(ids), size=n, replace=False).tolist()


def test_similar_items_share_the_category_or_a_complementary_one(api, demo_shop):
    pairs = []
    for item_id in sample(demo_shop):
        response = api.get(f"/items/{item_id}/similar?limit=10")
        assert response.status_code == 200
        pairs += [(demo_shop[item_id].category, demo_shop[row["item_id"]].category)
                  for row in response.json()["similar"]]

    assert len(pairs) == SAMPLE * 10
    assert np.mean([related(a, b) for a, b in pairs]) > 0.75  # by chance about 0.15
    assert np.mean([a == b for a, b in pairs]) > 0.45


def test_similar_items_mostly_share_the_style(api, demo_shop):
    """The first tag is the style (ultralight, cat, mystery...); a category has 2 to 4 of them."""
    shared = []
    for item_id in sample(demo_shop):
        item = demo_shop[item_id]
        for row in api.get(f"/items/{item_id}/similar?limit=10").json()["similar"]:
            other = demo_shop[row["item_id"]]
            if other.category == item.category:
                shared.append(other.tags[0] == item.tags[0])

    assert np.mean(shared) > 0.5


def test_similar_to_reasons_name_an_item_related_to_the_recommended_one(api, demo_shop):
    by_code = {item.item_code: item for item in demo_shop.values()}
    users = User.objects.filter(username__startswith="demo").order_by("id").values_list("id", flat=True)
    pairs = []
    for user_id in sample(users):
        for row in api.get(f"/recommendations/{user_id}?limit=10").json()["recommendations"]:
            if row["reason"].startswith("similar_to:"):
                pairs.append((by_code[row["reason"].removeprefix("similar_to:")], demo_shop[row["item_id"]]))

    assert len(pairs) > SAMPLE * 5  # most users have enough history for personalized lists
    assert np.mean([related(source.category, item.category) for source, item in pairs]) > 0.8

