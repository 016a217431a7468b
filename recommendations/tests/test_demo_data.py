"""generate_demo_data: determinism and shape of the generator, and what the command stores."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from catalog.models import Item
from recommendations.demo.data import CATEGORIES, DAYS, demo_data_generate
from recommendations.models import Interaction
from recommendations.testing.factories import ItemFactory, UserFactory

END = datetime(2026, 3, 1, tzinfo=UTC)
SMALL = {"users": 50, "items": 40, "interactions": 600}


def generate(seed: int = 1, users: int = 1000, items: int = 500, interactions: int = 20_000):
    return demo_data_generate(users=users, items=items, interactions=interactions, seed=seed, end=END)


def arrays(data) -> list:
    return [
        data.interaction_user, data.interaction_item, data.interaction_type, data.interaction_epoch,
        data.user_groups, data.item_price_cents, np.array(data.item_category), np.array(data.item_name),
    ]


def top_share(counts: np.ndarray, fraction: float) -> float:
    ordered = np.sort(counts)[::-1]
    return ordered[: max(1, int(len(ordered) * fraction))].sum() / ordered.sum()


# --- The generator -------------------------------------------------------------------------------

def test_the_same_seed_generates_the_same_data():
    first, second = generate(seed=3), generate(seed=3)

    for a, b in zip(arrays(first), arrays(second)):
        np.testing.assert_array_equal(a, b)
    assert first.item_tags == second.item_tags


def test_a_different_seed_generates_different_data():
    first, second = generate(seed=3), generate(seed=4)

    assert not np.array_equal(first.interaction_item, second.interaction_item)
    assert first.item_category != second.item_category


def test_a_few_items_get_most_of_the_traffic():
    data = generate()

    counts = np.bincount(data.interaction_item, minlength=501)[1:]
    assert top_share(counts, 0.10) > 0.35  # uniform would be 0.10
    assert top_share(counts, 0.01) > 0.08


def test_a_few_users_are_very_active_and_everyone_is_active_once():
    data = generate()

    counts = np.bincount(data.interaction_user, minlength=1001)[1:]
    assert counts.min() >= 1
    assert top_share(counts, 0.10) > 0.4
    assert counts.max() > 10 * np.median(counts)


def test_every_interaction_type_appears_views_most_and_purchases_least():
    data = generate()

    share = {t: float(np.mean(data.interaction_type == i)) for i, t in enumerate(data.types)}
    assert set(share) == {"view", "click", "like", "purchase"}
    assert share["view"] > share["click"] > share["like"] > share["purchase"] > 0


def test_timestamps_fall_in_the_90_days_before_the_end_mostly_recently():
    data = generate()

    start = (END - timedelta(days=DAYS)).timestamp()
    assert data.interaction_epoch.min() >= start - 1
    assert data.interaction_epoch.max() < END.timestamp()
    midpoint = (start + END.timestamp()) / 2
    assert np.mean(data.interaction_epoch > midpoint) > 0.55


def test_taste_groups_concentrate_on_their_favoured_categories():
    """The signal collaborative filtering should find: a group's users share its categories."""
    data = generate()
    names = list(CATEGORIES)
    category = np.array([names.index(c) for c in data.item_category])[data.interaction_item - 1]
    groups = data.user_groups[data.interaction_user - 1]
    single = groups[:, 0] == groups[:, 1]
    favoured = data.group_categories[groups[single, 0]]

    in_favoured = (category[single] == favoured[:, 0]) | (category[single] == favoured[:, 1])

    base_rate = np.mean([np.isin(category, pair).mean() for pair in data.group_categories])
    assert in_favoured.mean() > 2.5 * base_rate


def test_items_have_a_category_tags_from_it_and_a_price():
    data = generate(items=200)

    for category, tags, cents in zip(data.item_category, data.item_tags, data.item_price_cents):
        assert category in CATEGORIES
        assert 1 <= len(tags) <= 4
        assert tags[0] in CATEGORIES[category][0]
        assert cents >= 99 and cents % 100 == 99


def test_it_uses_the_configured_interaction_types(settings):
    settings.INTERACTION_WEIGHTS = {"view": 1.0, "share": 4.0}

    data = generate()

    assert data.types == ["view", "share"]
    assert set(np.unique(data.interaction_type)) == {0, 1}


# --- The command ---------------------------------------------------------------------------------

def run(*args) -> str:
    out = StringIO()
    call_command("generate_demo_data", *map(str, args), "--end-date", "2026-03-01", stdout=out)
    return out.getvalue()


def run_small(seed: int = 5, *extra) -> str:
    return run("--users", SMALL["users"], "--items", SMALL["items"], "--interactions", SMALL["interactions"],
               "--seed", seed, *extra)


def stored_rows() -> list[tuple]:
    return sorted(
        Interaction.objects.values_list(
            "user__username", "item__item_code", "interaction_type", "interaction_value", "timestamp"
        )
    )


@pytest.mark.django_db
def test_the_command_stores_the_requested_counts():
    out = run_small()

    assert User.objects.filter(username__startswith="demo").count() == 50
    assert Item.objects.filter(item_code__startswith="DEMO-").count() == 40
    assert Interaction.objects.count() == 600
    assert "50 users, 40 items, 600 interactions created" in out


@pytest.mark.django_db
def test_stored_rows_look_like_a_shop():
    run_small()

    user = User.objects.get(username="demo1")
    assert not user.has_usable_password() and user.email is None
    assert 18 <= user.age <= 75
    item = Item.objects.get(item_code="DEMO-1")
    assert item.category in CATEGORIES and item.tags and item.price > 0
    interaction = Interaction.objects.first()
    assert interaction.event_id.startswith("demo:5:50:40:600:")
    assert interaction.interaction_value == {"view": 1.0, "click": 2.0, "like": 2.5, "purchase": 3.0}[
        interaction.interaction_type
    ]


@pytest.mark.django_db
def test_a_rerun_with_the_same_arguments_adds_nothing():
    run_small()

    out = run_small()

    assert "0 users, 0 items, 0 interactions created" in out
    assert Interaction.objects.count() == 600


@pytest.mark.django_db
def test_the_same_seed_stores_the_same_rows_and_another_seed_different_ones():
    run_small(5)
    first = stored_rows()

    run_small(5, "--clear")
    again = stored_rows()
    run_small(6, "--clear")
    other = stored_rows()

    assert again == first
    assert other != first


@pytest.mark.django_db
def test_clear_deletes_demo_data_only():
    shopper, teapot = UserFactory(username="shopper"), ItemFactory(item_code="TEAPOT")
    run_small()
    Interaction.objects.create(user=shopper, item=teapot, interaction_type="view", interaction_value=1.0)

    run("--users", 5, "--items", 5, "--interactions", 20, "--seed", 9, "--clear")

    assert User.objects.filter(username__startswith="demo").count() == 5
    assert Item.objects.filter(item_code__startswith="DEMO-").count() == 5
    assert Interaction.objects.filter(user=shopper, item=teapot).exists()


@pytest.mark.django_db
def test_invalid_sizes_are_a_command_error():
    with pytest.raises(CommandError):
        run("--users", 0)
