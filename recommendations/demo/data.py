"""Synthetic shop data with structure a recommender can find: ``manage.py generate_demo_data``.

The model behind the numbers:

* **Items** belong to one of the categories below, carry 1-4 tags from their category's vocabulary
  (sometimes one shared tag such as ``gift``), and a log-normal price around the category's median.
  Each item has a base popularity that falls off as a power law of its (random) rank, so a few
  items get most of the traffic.
* **Taste groups** (20 by default): each favours two categories and a handful of "cult" items.
* **Users** belong to one taste group, half of them to a second one too, and have a power-law
  activity level (Zipf-Mandelbrot): most users interact a few times, a few interact a lot. Every user interacts at
  least once when there are at least as many interactions as users.
* **Interactions**: a user picks a taste group (the first one 70 % of the time), then either an
  item that group likes (75 %: popularity flattened, favoured categories x15, cult items x30) or
  any item by global popularity. Types: views are most common, purchases rarest, and picks driven
  by taste are likelier to be likes and purchases. Values are the type's configured weight.
  Timestamps fall in the ~90 days before ``end``, more of them recently.

Everything comes from one ``numpy.random.Generator(seed)``: the same arguments give the same data.
Writing uses COPY (binary for the interactions) and INSERT ... ON CONFLICT DO NOTHING, with users
``demo<n>``, items ``DEMO-<n>`` and event ids ``demo:<seed>:<users>:<items>:<interactions>:<k>``,
so a re-run with the same arguments adds nothing.
"""
from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dtime

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from accounts.models import User
from catalog.models import Item
from recommendations.models import Interaction

USERNAME_PREFIX = "demo"
ITEM_CODE_PREFIX = "DEMO-"
EVENT_ID_PREFIX = "demo:"
DAYS = 90
N_TASTE_GROUPS = 20
ITEM_POPULARITY_EXPONENT = 1.0  # item weight ~ 1 / rank ** this
USER_ACTIVITY_EXPONENT = 1.1  # Zipf-Mandelbrot: 1 / (rank + offset) ** this ...
USER_ACTIVITY_OFFSET = 0.01  # ... with offset = 1 % of users, so no single user dominates
TASTE_SHARE = 0.75  # interactions driven by a taste group rather than global popularity
FIRST_GROUP_SHARE = 0.7
FAVOURED_CATEGORY_BOOST = 15.0
CULT_ITEM_BOOST = 30.0
CULT_ITEMS_SHARE = 0.02
# Type mixes for (taste-driven, popularity-driven) picks; other configured types get a small share.
TYPE_MIX = {
    "view": (0.58, 0.80),
    "click": (0.20, 0.14),
    "like": (0.14, 0.04),
    "purchase": (0.08, 0.02),
}

# category: (tags, nouns, median price)
CATEGORIES: dict[str, tuple[list[str], list[str], float]] = {
    "electronics": (["wireless", "bluetooth", "4k", "portable", "smart", "usb-c"],
                    ["Headphones", "Speaker", "Monitor", "Keyboard", "Charger", "Camera"], 79.0),
    "books": (["fiction", "mystery", "sci-fi", "biography", "classic", "paperback"],
              ["Novel", "Memoir", "Anthology", "Field Guide", "Cookbook", "Atlas"], 14.0),
    "home": (["cosy", "minimalist", "wooden", "handmade", "vintage", "scandinavian"],
             ["Lamp", "Rug", "Cushion", "Shelf", "Vase", "Blanket"], 39.0),
    "kitchen": (["cast-iron", "non-stick", "dishwasher-safe", "ceramic", "stainless", "compact"],
                ["Skillet", "Kettle", "Knife Set", "Teapot", "Blender", "Mixing Bowl"], 29.0),
    "fashion": (["cotton", "linen", "waterproof", "slim-fit", "unisex", "wool"],
                ["Jacket", "Sneakers", "Scarf", "Backpack", "Shirt", "Boots"], 45.0),
    "sports": (["running", "yoga", "cycling", "training", "hiking", "swimming"],
               ["Mat", "Bottle", "Helmet", "Shorts", "Dumbbells", "Jersey"], 25.0),
    "beauty": (["vegan", "fragrance-free", "organic", "spf", "hydrating", "travel-size"],
               ["Serum", "Moisturiser", "Shampoo", "Lip Balm", "Face Mask", "Soap"], 18.0),
    "toys": (["educational", "wooden", "puzzle", "plush", "stem", "outdoor"],
             ["Puzzle", "Building Set", "Teddy", "Kite", "Board Game", "Train Set"], 22.0),
    "garden": (["perennial", "organic", "drought-tolerant", "indoor", "seeds", "tools"],
               ["Planter", "Trowel", "Seed Kit", "Hose", "Bird Feeder", "Pruner"], 19.0),
    "music": (["vinyl", "jazz", "electronic", "acoustic", "classical", "indie"],
              ["Album", "Guitar Strings", "Ukulele", "Songbook", "Metronome", "Headphone Amp"], 24.0),
    "games": (["strategy", "co-op", "party", "rpg", "family", "card"],
              ["Board Game", "Card Game", "Dice Set", "Expansion", "Game Mat", "Miniatures"], 35.0),
    "pets": (["dog", "cat", "grain-free", "chew", "washable", "interactive"],
             ["Bed", "Leash", "Treats", "Toy Mouse", "Bowl", "Scratching Post"], 16.0),
    "office": (["ergonomic", "recycled", "refillable", "magnetic", "a5", "desk"],
               ["Notebook", "Pen Set", "Desk Lamp", "Organizer", "Planner", "Chair Cushion"], 12.0),
    "outdoor": (["camping", "ultralight", "waterproof", "solar", "insulated", "foldable"],
                ["Tent", "Lantern", "Sleeping Bag", "Camp Stove", "Hammock", "Cooler"], 55.0),
    "food": (["organic", "fair-trade", "gluten-free", "spicy", "single-origin", "snack"],
             ["Coffee Beans", "Tea Sampler", "Hot Sauce", "Chocolate Bar", "Granola", "Olive Oil"], 9.0),
    "health": (["vitamin", "sleep", "posture", "massage", "first-aid", "fitness"],
               ["Massage Gun", "Pill Organizer", "Thermometer", "Foam Roller", "Eye Mask", "Scale"], 27.0),
}
SHARED_TAGS = ["gift", "bestseller", "new", "eco", "premium", "budget"]
ADJECTIVES = [
    "Classic", "Compact", "Deluxe", "Everyday", "Essential", "Modern", "Nordic", "Pro", "Rustic",
    "Smart", "Studio", "Urban", "Vintage", "Wild", "Bright", "Quiet",
]
LOCATIONS = ["Berlin", "Lisbon", "Madrid", "Paris", "London", "Warsaw", "Vienna", "Prague", "Oslo", "Rome"]


@dataclass(frozen=True)
class DemoData:
    """All generated values as arrays; users and items are numbered from 1 (``demo1``, ``DEMO-1``)."""

    seed: int
    user_age: np.ndarray
    user_gender: list[str]
    user_location: list[str]
    user_groups: np.ndarray  # (users, 2) taste groups; both the same for single-group users
    item_category: list[str]
    item_name: list[str]
    item_tags: list[list[str]]
    item_price_cents: np.ndarray
    group_categories: np.ndarray  # (groups, 2) indexes into CATEGORIES
    interaction_user: np.ndarray  # 1-based user numbers
    interaction_item: np.ndarray  # 1-based item numbers
    interaction_type: np.ndarray  # indexes into ``types``
    interaction_epoch: np.ndarray  # unix seconds
    types: list[str]

    @property
    def event_tag(self) -> str:
        return f"{self.seed}:{len(self.user_age)}:{len(self.item_name)}:{len(self.interaction_user)}"


@dataclass(frozen=True)
class DemoResult:
    users_created: int
    items_created: int
    interactions_created: int
    seconds_generating: float
    seconds_writing: float


def demo_data_generate(*, users: int, items: int, interactions: int, seed: int, end: datetime) -> DemoData:
    """Generate (but do not store) a demo data set; pure: same arguments, same arrays."""
    if users < 1 or items < 1 or interactions < 0:
        raise ValueError("need at least one user and one item, and a non-negative interaction count")
    rng = np.random.Generator(np.random.PCG64(seed))
    names = list(CATEGORIES)
    category_index = rng.choice(len(names), size=items, p=rng.dirichlet(np.full(len(names), 3.0)))
    popularity = 1.0 / (rng.permutation(items) + 1.0) ** ITEM_POPULARITY_EXPONENT
    group_categories = np.stack([rng.choice(len(names), 2, replace=False) for _ in range(N_TASTE_GROUPS)])
    user_groups = _user_groups(rng, users)
    user, item, taste = _picks(rng, users, items, interactions, popularity, category_index, group_categories,
                               user_groups)
    types = list(settings.INTERACTION_WEIGHTS)
    return DemoData(
        seed=seed,
        user_age=rng.integers(18, 76, size=users),
        user_gender=rng.choice(["F", "M", "O"], size=users, p=[0.48, 0.48, 0.04]).tolist(),
        user_location=rng.choice(LOCATIONS, size=users).tolist(),
        user_groups=user_groups,
        item_category=[names[c] for c in category_index],
        item_name=_item_names(rng, category_index, names),
        item_tags=_item_tags(rng, category_index, names),
        item_price_cents=_item_prices(rng, category_index, names),
        group_categories=group_categories,
        interaction_user=user + 1,
        interaction_item=item + 1,
        interaction_type=_types(rng, taste, types),
        interaction_epoch=_timestamps(rng, len(item), end),
        types=types,
    )


def _user_groups(rng: np.random.Generator, users: int) -> np.ndarray:
    first = rng.integers(N_TASTE_GROUPS, size=users)
    other = (first + rng.integers(1, N_TASTE_GROUPS, size=users)) % N_TASTE_GROUPS  # never == first
    second = np.where(rng.random(users) < 0.5, other, first)
    return np.stack([first, second], axis=1)


def _picks(rng, users, items, interactions, popularity, category_index, group_categories, user_groups):
    """(user index, item index, taste-driven?) per interaction."""
    offset = 1.0 + USER_ACTIVITY_OFFSET * users
    activity = 1.0 / (rng.permutation(users) + offset) ** USER_ACTIVITY_EXPONENT
    if interactions >= users:  # everyone at least once, the rest by activity
        counts = rng.multinomial(interactions - users, activity / activity.sum()) + 1
        user = np.repeat(np.arange(users), counts)
    else:
        user = np.sort(rng.choice(users, size=interactions, p=activity / activity.sum()))
    group = np.where(rng.random(len(user)) < FIRST_GROUP_SHARE, user_groups[user, 0], user_groups[user, 1])
    taste = rng.random(len(user)) < TASTE_SHARE
    item = np.empty(len(user), dtype=np.int64)
    item[~taste] = rng.choice(items, size=int((~taste).sum()), p=popularity / popularity.sum())
    flattened = np.sqrt(popularity)
    for g in range(N_TASTE_GROUPS):
        chosen = taste & (group == g)
        weight = flattened * np.where(np.isin(category_index, group_categories[g]), FAVOURED_CATEGORY_BOOST, 1.0)
        cult = rng.choice(items, size=max(1, int(items * CULT_ITEMS_SHARE)), replace=False)
        weight[cult] *= CULT_ITEM_BOOST
        item[chosen] = rng.choice(items, size=int(chosen.sum()), p=weight / weight.sum())
    return user, item, taste


def _types(rng: np.random.Generator, taste: np.ndarray, types: list[str]) -> np.ndarray:
    result = np.empty(len(taste), dtype=np.int16)
    for column, mask in ((0, taste), (1, ~taste)):
        mix = np.array([TYPE_MIX[t][column] if t in TYPE_MIX else 0.1 / max(w, 0.1)
                        for t, w in settings.INTERACTION_WEIGHTS.items()])
        result[mask] = rng.choice(len(types), size=int(mask.sum()), p=mix / mix.sum())
    return result


def _timestamps(rng: np.random.Generator, n: int, end: datetime) -> np.ndarray:
    """Seconds before ``end``, denser recently (age ~ 90 days * u ** 1.3)."""
    age = (DAYS * 86_400 * rng.random(n) ** 1.3).astype(np.int64)
    return int(end.timestamp()) - 1 - age


def _item_names(rng, category_index, names) -> list[str]:
    adjectives = rng.integers(len(ADJECTIVES), size=len(category_index))
    nouns = rng.integers(6, size=len(category_index))
    return [
        f"{ADJECTIVES[a]} {CATEGORIES[names[c]][1][n]} #{number}"
        for number, (a, c, n) in enumerate(zip(adjectives, category_index, nouns), start=1)
    ]


def _item_tags(rng, category_index, names) -> list[list[str]]:
    counts = rng.integers(1, 4, size=len(category_index))
    n = len(category_index)
    shared = np.where(rng.random(n) < 0.3, rng.integers(len(SHARED_TAGS), size=n), -1)
    tags = []
    for c, k, s in zip(category_index, counts, shared):
        vocabulary = CATEGORIES[names[c]][0]
        own = [vocabulary[i] for i in sorted(rng.choice(len(vocabulary), size=k, replace=False))]
        tags.append(own + ([SHARED_TAGS[s]] if s >= 0 else []))
    return tags


def _item_prices(rng, category_index, names) -> np.ndarray:
    medians = np.array([CATEGORIES[name][2] for name in names])[category_index]
    price = rng.lognormal(np.log(medians), 0.6)
    return np.maximum(np.round(price) * 100 - 1, 99).astype(np.int64)  # x.99, at least 0.99


# --- Writing -------------------------------------------------------------------------------------

def demo_data_create(*, users: int, items: int, interactions: int, seed: int,
                     end: datetime | None = None) -> DemoResult:
    """Generate the data set and store what is not stored yet, in one transaction."""
    started = time.monotonic()
    data = demo_data_generate(users=users, items=items, interactions=interactions, seed=seed,
                              end=end or default_end())
    generated = time.monotonic()
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            users_created = _users_write(cursor, data)
            items_created = _items_write(cursor, data)
            interactions_created = _interactions_write(cursor, data)
    return DemoResult(users_created, items_created, interactions_created,
                      generated - started, time.monotonic() - generated)


def default_end() -> datetime:
    """Today's midnight (UTC): re-running on the same day generates the very same timestamps."""
    return datetime.combine(date.today(), dtime(0), tzinfo=UTC)


def demo_data_delete() -> int:
    """Delete demo users and items (``demo<n>``, ``DEMO-<n>``) and every interaction they have."""
    users = User.objects.filter(username__regex=rf"^{USERNAME_PREFIX}[0-9]+$")
    items = Item.objects.filter(item_code__regex=rf"^{ITEM_CODE_PREFIX}[0-9]+$")
    with transaction.atomic():
        # Set-based first: the ORM's cascade would fetch a million interaction ids.
        deleted = Interaction.objects.filter(user__in=users).delete()[0]
        deleted += Interaction.objects.filter(item__in=items).delete()[0]
        deleted += users.delete()[0] + items.delete()[0]
    return deleted


def _temp_table(cursor, name: str, columns: str) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
    cursor.execute(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP")


def _users_write(cursor, data: DemoData) -> int:
    _temp_table(cursor, "demo_users", "n integer, age smallint, gender text, location text, groups jsonb")
    with cursor.copy("COPY demo_users FROM STDIN") as copy:
        copy.set_types(["integer", "smallint", "text", "text", "jsonb"])
        for n, (age, gender, location, groups) in enumerate(
            zip(data.user_age.tolist(), data.user_gender, data.user_location, data.user_groups.tolist()), start=1
        ):
            copy.write_row((n, age, gender, location, {"demo_taste_groups": sorted(set(groups))}))
    cursor.execute(
        f"""
        INSERT INTO {User._meta.db_table} (password, is_superuser, username, first_name, last_name, email, is_staff,
                                           is_active, date_joined, age, gender, location, preferences,
                                           created_at, updated_at)
        SELECT '!' || left(md5(random()::text) || md5(random()::text), 40), false, %s::text || n, '', '', NULL,
               false, true, now(), age, gender, location, groups, now(), now()
        FROM demo_users ORDER BY n
        ON CONFLICT DO NOTHING
        """,
        [USERNAME_PREFIX],
    )
    return cursor.rowcount


def _items_write(cursor, data: DemoData) -> int:
    _temp_table(cursor, "demo_items", "n integer, category text, name text, tags text[], price_cents bigint")
    with cursor.copy("COPY demo_items FROM STDIN") as copy:
        copy.set_types(["integer", "text", "text", "text[]", "bigint"])
        for n, row in enumerate(
            zip(data.item_category, data.item_name, data.item_tags, data.item_price_cents.tolist()), start=1
        ):
            copy.write_row((n, *row))
    cursor.execute(
        f"""
        INSERT INTO {Item._meta.db_table} (item_code, name, category, tags, price, popularity_score, metadata,
                                           is_active, created_at, updated_at)
        SELECT %s::text || n, name, category, tags, price_cents / 100.0, 0, '{{"source": "demo"}}'::jsonb,
               true, now(), now()
        FROM demo_items ORDER BY n
        ON CONFLICT DO NOTHING
        """,
        [ITEM_CODE_PREFIX],
    )
    return cursor.rowcount


def _interactions_write(cursor, data: DemoData) -> int:
    _temp_table(cursor, "demo_interactions", "k bigint, user_n integer, item_n integer, type_i integer, epoch bigint")
    n = len(data.interaction_user)
    with cursor.copy("COPY demo_interactions FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(_binary_copy(
            (np.arange(n, dtype=np.int64), ">i8"), (data.interaction_user, ">i4"),
            (data.interaction_item, ">i4"), (data.interaction_type, ">i4"), (data.interaction_epoch, ">i8"),
        ))
    _temp_table(cursor, "demo_user_ids", "n integer PRIMARY KEY, id bigint")
    cursor.execute(
        f"INSERT INTO demo_user_ids SELECT d.n, u.id FROM demo_users d "
        f"JOIN {User._meta.db_table} u ON u.username = %s::text || d.n",
        [USERNAME_PREFIX],
    )
    _temp_table(cursor, "demo_item_ids", "n integer PRIMARY KEY, id bigint")
    cursor.execute(
        f"INSERT INTO demo_item_ids SELECT d.n, i.id FROM demo_items d "
        f"JOIN {Item._meta.db_table} i ON i.item_code = %s::text || d.n",
        [ITEM_CODE_PREFIX],
    )
    cursor.execute("ANALYZE demo_interactions")
    weights = [settings.INTERACTION_WEIGHTS[t] for t in data.types]
    cursor.execute(
        f"""
        INSERT INTO {Interaction._meta.db_table} (user_id, item_id, interaction_type, interaction_value, timestamp,
                                                  metadata, event_id, recomm_id)
        SELECT u.id, i.id, (%s::text[])[s.type_i + 1], (%s::float8[])[s.type_i + 1], to_timestamp(s.epoch),
               '{{}}'::jsonb, %s::text || lpad(s.k::text, 10, '0'), ''
        FROM demo_interactions s
        JOIN demo_user_ids u ON u.n = s.user_n
        JOIN demo_item_ids i ON i.n = s.item_n
        ORDER BY s.k
        ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING
        """,
        [data.types, weights, f"{EVENT_ID_PREFIX}{data.event_tag}:"],
    )
    return cursor.rowcount


def _binary_copy(*columns: tuple[np.ndarray, str]) -> bytes:
    """COPY BINARY payload for fixed-width integer columns, built with numpy (no Python row loop)."""
    n = len(columns[0][0])
    fields = [("count", ">i2")]
    for index, (_, dtype) in enumerate(columns):
        fields += [(f"len{index}", ">i4"), (f"val{index}", dtype)]
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["count"] = len(columns)
    for index, (values, dtype) in enumerate(columns):
        rows[f"len{index}"] = np.dtype(dtype).itemsize
        rows[f"val{index}"] = values
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    return header + rows.tobytes() + struct.pack(">h", -1)
