"""generate_demo_data: determinism and shape of the generator, and what the command stores."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from catalog.models import Item
from recommendations.demo.catalog import CATEGORIES, COMPLEMENT_PAIRS, PRICE_BANDS, complements, related
from recommendations.demo.data import demo_data_generate
from recommendations.demo.shop import DAYS, NAMES
from recommendations.models import Interaction
from recommendations.testing.factories import ItemFactory, UserFactory

END = datetime(2026, 3, 1, tzinfo=UTC)
SMALL = {"users": 50, "items": 40, "interactions": 600}


def generate(seed: int = 1, users: int = 1000, items: int = 500, interactions: int = 20_000):
    return demo_data_generate(users=users, items=items, interactions=interactions, seed=seed, end=END)


def arrays(data) -> list:
    return [
        data.interaction_user, data.interaction_item, data.interaction_type, data.interaction_epoch,
        data.user_interests, data.user_styles, data.user_band, data.item_price_cents, data.item_band,
        np.array(data.item_category), np.array(data.item_kind), np.array(data.item_name),
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
    assert 0.65 < share["view"] < 0.85  # "about 75 % views and one purchase per twenty views"
    assert 12 < share["view"] / share["purchase"] < 40


def test_purchases_are_of_items_the_user_viewed_before():
    data = generate()
    view, purchase = data.types.index("view"), data.types.index("purchase")
    first_view = {}
    for u, i, t, e in zip(data.interaction_user.tolist(), data.interaction_item.tolist(),
                          data.interaction_type.tolist(), data.interaction_epoch.tolist()):
        if t == view:
            first_view[u, i] = min(e, first_view.get((u, i), e))
    bought = np.flatnonzero(data.interaction_type == purchase)

    viewed_before = [first_view.get((data.interaction_user[k], data.interaction_item[k]), np.inf)
                     < data.interaction_epoch[k] for k in bought]

    assert np.mean(viewed_before) > 0.85


def test_users_view_some_items_again():
    data = generate()
    views = data.interaction_type == data.types.index("view")

    _, per_pair = np.unique(data.interaction_user[views] * 1_000 + data.interaction_item[views], return_counts=True)

    assert 0.1 < np.mean(per_pair > 1) < 0.6


def test_timestamps_fall_in_the_90_days_before_the_end_mostly_recently():
    data = generate()

    start = (END - timedelta(days=DAYS)).timestamp()
    assert data.interaction_epoch.min() >= start - 1
    assert data.interaction_epoch.max() < END.timestamp()
    midpoint = (start + END.timestamp()) / 2
    assert np.mean(data.interaction_epoch > midpoint) > 0.55


def test_weekends_and_evenings_are_busier():
    data = generate()
    days = data.interaction_epoch // 86_400
    per_day = np.bincount(days - days.min())[1:-1]  # the first and last day are cut short
    weekday = (np.arange(1, len(per_day) + 1) + days.min() + 3) % 7  # 1970-01-01 was a Thursday (3)
    hours = np.bincount((data.interaction_epoch % 86_400) // 3600, minlength=24)

    assert per_day[weekday >= 5].mean() > 1.15 * per_day[weekday < 5].mean()
    assert hours[19:22].mean() > 4 * hours[1:5].mean()


def test_users_look_at_their_interests_and_the_style_they_like():
    """The signal a model finds: a user's categories, their complements, the style within them."""
    data = generate()
    look = data.interaction_first_look
    user, item = data.interaction_user[look] - 1, data.interaction_item[look] - 1
    category = np.array([NAMES.index(c) for c in data.item_category])[item]
    interests = data.user_interests[user]
    style = np.array([tags[0] for tags in data.item_tags])[item]
    liked = np.array([CATEGORIES[NAMES[c]].styles[s] for c, s in zip(interests[:, 0], data.user_styles[user, 0])])

    in_interests = (category[:, None] == interests).any(axis=1)
    first = category == interests[:, 0]

    assert in_interests.mean() > 0.85  # the rest are bestsellers
    assert (style[first] == liked[first]).mean() > 0.55  # a category has 2-4 styles


def test_users_buy_in_their_price_band():
    data = generate()
    bought = data.interaction_type == data.types.index("purchase")
    band = data.item_band[data.interaction_item[bought] - 1]
    preferred = data.user_band[data.interaction_user[bought] - 1]

    budget, premium = band[preferred == 0], band[preferred == 2]

    assert budget.mean() + 0.5 < premium.mean()
    assert np.mean(budget == 0) > 0.5 and np.mean(premium == 2) > 0.5


def test_items_have_a_category_kind_style_tags_and_a_price_in_their_band():
    data = generate(items=300)

    for category, kind, tags, cents, band in zip(data.item_category, data.item_kind, data.item_tags,
                                                 data.item_price_cents.tolist(), data.item_band.tolist()):
        kind_tags, low, high = CATEGORIES[category].kinds[kind]
        assert tags[0] in CATEGORIES[category].styles and tags[1] in kind_tags and len(tags) <= 3
        assert low - 1 <= cents / 100 <= high + 1 and cents % 100 == 99
        place = (np.log(cents / 100 + 0.01) - np.log(low)) / (np.log(high) - np.log(low))
        assert abs(int(np.clip(place * 3, 0, 2.999)) - band) <= 1  # rounding to .99 moves a price a little
    assert len(set(data.item_category)) > 15 and set(data.item_band.tolist()) == {0, 1, 2}


def test_item_names_say_what_they_are():
    data = generate(items=50)

    for name, category, kind, tags in zip(data.item_name, data.item_category, data.item_kind, data.item_tags):
        assert f"{tags[0].title()} {kind}" in name
        assert name.startswith("The ") == (category == "books")


def test_every_category_has_a_complement_and_complements_go_both_ways():
    for name in CATEGORIES:
        assert complements(name)
        assert all(name in complements(other) for other in complements(name))
    assert all(a in CATEGORIES and b in CATEGORIES for a, b in COMPLEMENT_PAIRS)
    assert related("camping", "hiking") and related("phones", "phone accessories") and not related("books", "pets")


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
    assert user.preferences["price_band"] in PRICE_BANDS
    first, complement, *_ = user.preferences["categories"]
    assert complement in complements(first) and user.preferences["tags"][0] in CATEGORIES[first].styles
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
