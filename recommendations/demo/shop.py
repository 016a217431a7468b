"""Drawing the demo shop with numpy: its items, its shoppers' tastes, and when they look at what.

``demo.data`` assembles these into a data set and stores it; its docstring tells the model.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings

from recommendations.demo.catalog import (
    CATEGORIES,
    MODEL_SUFFIXES,
    PRICE_BANDS,
    SHARED_TAGS,
    TITLE_ADJECTIVES,
    TITLE_NOUNS,
    complements,
)

DAYS = 90
ITEM_POPULARITY_EXPONENT = 1.0  # item weight ~ 1 / rank ** this
USER_ACTIVITY_EXPONENT = 1.1  # Zipf-Mandelbrot: 1 / (rank + offset) ** this ...
USER_ACTIVITY_OFFSET = 0.01  # ... with offset = 1 % of users, so no single user dominates
THIRD_INTEREST_SHARE = 0.4
# Where a first look comes from: first interest, its complement, third interest, bestsellers.
SOURCE_SHARES = (0.55, 0.25, 0.10, 0.10)
BESTSELLERS = 3  # the source that is no interest of the shopper
TASTE_POPULARITY_EXPONENT = 0.75  # inside an interest popularity counts less than among bestsellers
STYLE_BOOST = 6.0
USER_BAND_SHARES = (0.35, 0.45, 0.20)
BAND_AFFINITY = np.array([[4.0, 1.5, 0.5], [1.5, 3.0, 1.5], [0.5, 1.5, 4.0]])  # [shopper's band, item's band]
FIRST_LOOK_SHARE = 0.55  # of events; the others follow up on the user's latest first look
FIRST_LOOK_MIX = {"view": 0.92, "click": 0.08, "like": 0.0, "purchase": 0.0}
FOLLOW_UP_MIX = {"view": 0.50, "click": 0.20, "like": 0.12, "purchase": 0.08}  # after a look of taste
BROWSING_FOLLOW_UP_MIX = {"view": 0.70, "click": 0.22, "like": 0.05, "purchase": 0.03}  # after a bestseller
OTHER_TYPE_SHARE = 0.1  # a configured type none of the mixes names: this over its weight
SOON_SHARE, SOON_SECONDS, LATER_SECONDS = 0.7, 40 * 60, 2 * 86_400  # mean delays of a follow-up
RECENCY_DAYS = 100  # first looks per day ~ exp(-days ago / this): a growing shop
WEEKDAY_FACTORS = (0.9, 0.9, 0.95, 1.0, 1.05, 1.3, 1.35)  # Monday .. Sunday
HOUR_FACTORS = (2, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 7, 8, 8, 7, 7, 7, 8, 10, 12, 13, 12, 9, 5)  # UTC hours

NAMES = list(CATEGORIES)
CATEGORY_WEIGHTS = np.array([CATEGORIES[c].weight for c in NAMES]) / sum(CATEGORIES[c].weight for c in NAMES)
STYLE_COUNTS = np.array([len(CATEGORIES[c].styles) for c in NAMES])
MAX_STYLES = int(STYLE_COUNTS.max())


@dataclass(frozen=True)
class Items:
    category: np.ndarray
    kind: np.ndarray
    style: np.ndarray
    band: np.ndarray
    place: np.ndarray  # 0..1 in the kind's price range (log scale)
    popularity: np.ndarray


# --- Items ---------------------------------------------------------------------------------------

def items_draw(rng: np.random.Generator, n: int) -> Items:
    category = rng.choice(len(NAMES), size=n, p=CATEGORY_WEIGHTS)
    kind_counts = np.array([len(CATEGORIES[c].kinds) for c in NAMES])
    place = rng.random(n)
    return Items(
        category=category,
        kind=(rng.random(n) * kind_counts[category]).astype(np.int64),
        style=(rng.random(n) * STYLE_COUNTS[category]).astype(np.int64),
        band=np.minimum((place * len(PRICE_BANDS)).astype(np.int64), len(PRICE_BANDS) - 1),
        place=place,
        popularity=1.0 / (rng.permutation(n) + 1.0) ** ITEM_POPULARITY_EXPONENT,
    )


def _kind(catalog: Items, i: int) -> tuple[str, tuple[str, ...], float, float]:
    kinds = CATEGORIES[NAMES[catalog.category[i]]].kinds
    name = list(kinds)[catalog.kind[i]]
    return (name, *kinds[name])


def item_kinds(catalog: Items) -> list[str]:
    return [_kind(catalog, i)[0] for i in range(len(catalog.category))]


def _style(catalog: Items, i: int) -> str:
    return CATEGORIES[NAMES[catalog.category[i]]].styles[catalog.style[i]]


def item_names(rng: np.random.Generator, catalog: Items) -> list[str]:
    """"Ridgeline Ultralight Tent Pro"; books "The Silent Harbour (Mystery Novel)"."""
    n = len(catalog.category)
    first, second = rng.integers(16, size=n), rng.integers(16, size=n)
    suffixes = rng.integers(len(MODEL_SUFFIXES), size=n)
    names = []
    for i in range(n):
        category = CATEGORIES[NAMES[catalog.category[i]]]
        label = f"{_style(catalog, i).title()} {_kind(catalog, i)[0]}"
        if category.brands:
            names.append(f"{category.brands[first[i] % len(category.brands)]} {label}{MODEL_SUFFIXES[suffixes[i]]}")
        else:
            names.append(f"The {TITLE_ADJECTIVES[first[i]]} {TITLE_NOUNS[second[i]]} ({label})")
    return names


def item_tags(rng: np.random.Generator, catalog: Items) -> list[list[str]]:
    """The style, one of the kind's tags (they exclude each other: 2-person or 4-person), and for
    one item in five a shop-wide tag."""
    n = len(catalog.category)
    own = rng.random(n)
    shared = np.where(rng.random(n) < 0.2, rng.integers(len(SHARED_TAGS), size=n), -1)
    tags = []
    for i in range(n):
        kind_tags = _kind(catalog, i)[1]
        tags.append([_style(catalog, i), kind_tags[int(own[i] * len(kind_tags))],
                     *([SHARED_TAGS[shared[i]]] if shared[i] >= 0 else [])])
    return tags


def item_prices(catalog: Items) -> np.ndarray:
    """Log-uniform in the kind's range, ending in .99."""
    ranges = np.array([_kind(catalog, i)[2:] for i in range(len(catalog.category))]).reshape(-1, 2)
    low, high = np.log(ranges[:, 0]), np.log(ranges[:, 1])
    price = np.exp(low + catalog.place * (high - low))
    return np.maximum(np.round(price) * 100 - 1, 99).astype(np.int64)


# --- Shoppers and what they look at --------------------------------------------------------------

def shoppers_draw(rng: np.random.Generator, users: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(interests, styles, price band) per user; interests are (first, complement, third or -1)."""
    first = rng.choice(len(NAMES), size=users, p=CATEGORY_WEIGHTS)
    table = [[NAMES.index(c) for c in complements(name)] for name in NAMES]
    width = max(len(row) for row in table)
    padded = np.array([row + row[:1] * (width - len(row)) for row in table])
    counts = np.array([len(row) for row in table])
    complement = padded[first, (rng.random(users) * counts[first]).astype(np.int64)]
    third = rng.choice(len(NAMES), size=users, p=CATEGORY_WEIGHTS)
    keep = (rng.random(users) < THIRD_INTEREST_SHARE) & (third != first) & (third != complement)
    interests = np.stack([first, complement, np.where(keep, third, -1)], axis=1)
    styles = (rng.random((users, 3)) * STYLE_COUNTS[np.maximum(interests, 0)]).astype(np.int64)
    band = rng.choice(len(PRICE_BANDS), size=users, p=USER_BAND_SHARES)
    return interests, styles, band


def visits_draw(rng: np.random.Generator, users: int, interactions: int):
    """(user index per event, grouped by user; which events are first looks; their sources)."""
    offset = 1.0 + USER_ACTIVITY_OFFSET * users
    activity = 1.0 / (rng.permutation(users) + offset) ** USER_ACTIVITY_EXPONENT
    if interactions >= users:  # everyone at least once, the rest by activity
        counts = rng.multinomial(interactions - users, activity / activity.sum()) + 1
        user = np.repeat(np.arange(users), counts)
    else:
        user = np.sort(rng.choice(users, size=interactions, p=activity / activity.sum()))
    first_look = rng.random(len(user)) < FIRST_LOOK_SHARE
    first_look[1:] |= user[1:] != user[:-1]
    first_look[:1] = True
    source = rng.choice(len(SOURCE_SHARES), size=int(first_look.sum()), p=SOURCE_SHARES)
    return user, first_look, source


def first_looks_draw(rng, catalog: Items, interests, styles, band, user, source) -> np.ndarray:
    """The item of each first look: from the source's interest (style and price band favoured) or
    the bestsellers, by inverse transform over every distribution's cumulative weights at once."""
    column = np.minimum(source, 2)
    category = interests[user, column]
    category = np.where(category < 0, interests[user, 0], category)  # no third interest: the first
    style = styles[user, np.where(interests[user, column] < 0, 0, column)]
    wanted = (category * MAX_STYLES + style) * len(PRICE_BANDS) + band[user]
    items, cumulative, start, end = _samplers(catalog)
    bestsellers = len(start) - 1
    wanted = np.where(source == BESTSELLERS, bestsellers, wanted)
    wanted = np.where(start[wanted] == end[wanted], bestsellers, wanted)  # a category with no items
    position = np.searchsorted(cumulative, wanted + rng.random(len(wanted)), side="right")
    return items[np.clip(position, start[wanted], end[wanted] - 1)]


def _samplers(catalog: Items):
    """(items, cumulative weights, start, end) of each (category, style, band) distribution, then
    the bestsellers' (by popularity); distribution d's cumulative weights run from d to d + 1."""
    flattened = catalog.popularity ** TASTE_POPULARITY_EXPONENT
    pieces_items, pieces_cumulative, sizes = [], [], []
    for c in range(len(NAMES)):
        members = np.flatnonzero(catalog.category == c)
        for s in range(MAX_STYLES):
            base = flattened[members] * np.where(catalog.style[members] == s, STYLE_BOOST, 1.0)
            for b in range(len(PRICE_BANDS)):
                weights = base * BAND_AFFINITY[b, catalog.band[members]]
                pieces_items.append(members)
                pieces_cumulative.append(_cumulative(weights, len(sizes)))
                sizes.append(len(members))
    everything = np.arange(len(catalog.category))
    pieces_items.append(everything)
    pieces_cumulative.append(_cumulative(catalog.popularity, len(sizes)))
    sizes.append(len(everything))
    end = np.cumsum(sizes)
    return np.concatenate(pieces_items), np.concatenate(pieces_cumulative), end - np.array(sizes), end


def _cumulative(weights: np.ndarray, offset: int) -> np.ndarray:
    if not len(weights):
        return np.empty(0)
    cumulative = np.cumsum(weights) / weights.sum()
    cumulative[-1] = 1.0
    return offset + cumulative


def types_draw(rng: np.random.Generator, first_look: np.ndarray, taste: np.ndarray, types: list[str]) -> np.ndarray:
    result = np.empty(len(first_look), dtype=np.int16)
    for mask, mix in ((first_look, FIRST_LOOK_MIX), (~first_look & taste, FOLLOW_UP_MIX),
                      (~first_look & ~taste, BROWSING_FOLLOW_UP_MIX)):
        shares = np.array([mix.get(t, OTHER_TYPE_SHARE / max(w, 0.1)) for t, w in settings.INTERACTION_WEIGHTS.items()])
        if not shares.sum():  # none of this mix's types is configured
            shares = np.ones(len(types))
        result[mask] = rng.choice(len(types), size=int(mask.sum()), p=shares / shares.sum())
    return result


def timestamps_draw(rng: np.random.Generator, first_look: np.ndarray, latest: np.ndarray, end: datetime) -> np.ndarray:
    """First looks on a day of the last DAYS (recent days and weekends busier) at an hour of the
    day's rhythm; follow-ups minutes (mostly) to days after the look they follow, before ``end``."""
    days_ago = np.arange(1, DAYS + 1)
    weekday = (end.weekday() - days_ago) % 7
    per_day = np.exp(-days_ago / RECENCY_DAYS) * np.array(WEEKDAY_FACTORS)[weekday]
    n = int(first_look.sum())
    day = rng.choice(days_ago, size=n, p=per_day / per_day.sum())
    hour = rng.choice(24, size=n, p=np.array(HOUR_FACTORS) / sum(HOUR_FACTORS))
    midnight = int(end.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())
    looks = np.zeros(len(first_look), dtype=np.int64)
    looks[first_look] = midnight - day * 86_400 + hour * 3600 + rng.integers(3600, size=n)
    delay = rng.exponential(np.where(rng.random(len(first_look)) < SOON_SHARE, SOON_SECONDS, LATER_SECONDS))
    epoch = looks[latest] + np.where(first_look, 0, delay.astype(np.int64) + 1)
    return np.minimum(epoch, int(end.timestamp()) - 1)
