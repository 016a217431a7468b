"""update_popularity / popularity_update: weighted by interaction type, scaled to the top item."""
from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from recommendations.lifecycle.popularity import popularity_update
from recommendations.models import Interaction
from recommendations.testing.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def interact(item, *types, user=None, when=None):
    user = user or UserFactory()
    for interaction_type in types:
        Interaction.objects.create(
            user=user, item=item, interaction_type=interaction_type, interaction_value=1.0,
            timestamp=when or timezone.now(),
        )


@pytest.fixture
def catalog():
    """With the default weights (view 1, click 2, like 2.5, purchase 3):

    a: view + view + purchase = 5 -> 1.0;  b: click + like = 4.5 -> 0.9;  c: view = 1 -> 0.2;
    d: nothing -> 0 (it starts at 0.7, a stale score);  e: only a type that is not configured -> 0.
    """
    items = {name: ItemFactory(item_code=name) for name in "abcde"}
    items["d"].popularity_score = 0.7
    items["d"].save()
    interact(items["a"], "view", "view", "purchase")
    interact(items["b"], "click", "like")
    interact(items["c"], "view")
    interact(items["e"], "share")
    return items


def scores(items) -> dict[str, float]:
    for item in items.values():
        item.refresh_from_db()
    return {name: item.popularity_score for name, item in items.items()}


def test_scores_are_weighted_by_type_and_scaled_so_the_top_item_is_one(catalog):
    popularity_update()

    assert scores(catalog) == pytest.approx({"a": 1.0, "b": 0.9, "c": 0.2, "d": 0.0, "e": 0.0})


def test_the_top_item_scores_exactly_one(catalog):
    popularity_update()

    assert scores(catalog)["a"] == 1.0


def test_items_without_interactions_are_set_to_zero(catalog):
    popularity_update()

    assert scores(catalog)["d"] == 0.0


def test_with_no_interactions_every_score_is_zero():
    item = ItemFactory(popularity_score=0.4)

    popularity_update()

    item.refresh_from_db()
    assert item.popularity_score == 0.0


def test_it_returns_the_top_items_best_first(catalog):
    top = popularity_update(top=3)

    assert [item.item_code for item in top] == ["a", "b", "c"]
    assert top[0].popularity_score == 1.0


def test_the_weights_come_from_settings(catalog, settings):
    settings.INTERACTION_WEIGHTS = {"view": 10.0, "click": 2.0, "like": 2.5, "purchase": 3.0}

    popularity_update()

    # a: 10 + 10 + 3 = 23;  b: 4.5;  c: 10
    assert scores(catalog) == pytest.approx({"a": 1.0, "b": 4.5 / 23, "c": 10 / 23, "d": 0.0, "e": 0.0})


def test_a_half_life_halves_the_weight_of_an_interaction_that_old():
    fresh, old = ItemFactory(), ItemFactory()
    interact(fresh, "view")
    interact(old, "view", when=timezone.now() - timedelta(days=30))

    popularity_update(half_life_days=30)

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert fresh.popularity_score == 1.0
    assert old.popularity_score == pytest.approx(0.5, abs=1e-4)


def test_the_command_prints_the_top_ten(catalog):
    for n in range(12):
        interact(ItemFactory(item_code=f"extra-{n}"), "view")
    out = StringIO()

    call_command("update_popularity", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Top 10 items by popularity:"
    assert len(lines) == 11
    assert lines[1].split()[:3] == ["1.", "1.0000", "a"]


def test_the_command_rejects_a_non_positive_half_life():
    with pytest.raises(CommandError):
        call_command("update_popularity", "--half-life-days", "0", stdout=StringIO())
