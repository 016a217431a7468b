"""Synthetic shop data a person believes and a recommender learns from: ``manage.py generate_demo_data``.

The model behind the numbers (the shop's vocabulary is in ``demo/catalog.py``, the drawing in
``demo/shop.py``):

* **Items**: a category (21, books the largest), a product kind of it (a tent, a gas canister...), a
  *style* of the category (``ultralight``, ``cat``, ``mystery``...) that is the item's first tag and
  part of its name, one of the kind's own tags (``2-person``), for one in five ``gift``, ``eco`` or
  ``new``, and a price inside the kind's range; the third of that range (log scale) is its price
  band (``budget``, ``mid``, ``premium``). A base popularity falls off as a power law of a random rank.
* **Shoppers**: a first interest (a category and a style of it), a second one in a complementary
  category (a camper's hiking wear, a phone buyer's cases and earbuds), for 40 % a third, unrelated
  one, and a price band they prefer. Activity is a power law (Zipf-Mandelbrot): most users interact
  a few times, a few a lot; every user at least once when there are as many interactions as users.
* **Interactions** come as visits to items. 55 % of a user's events are a first look at an item
  (92 % views, else a click): from the first interest (55 %), the complement (25 %), the third
  interest (10 %, else the first) or the shop's bestsellers (10 %). Inside an interest, items of the
  shopper's style count 6 times, of their price band 3-4 times (far bands less), popularity flattened
  (to the power 0.75). The other events follow up on the user's latest look at the same item: repeat
  views, clicks, likes and purchases, so purchases are of viewed items and come minutes to days
  later; taste picks lead to likes and purchases more often than bestseller picks. Overall about 75 %
  views and one purchase per twenty views. Values are the type's configured weight. First looks fall
  on the 90 days before ``end``, more of them recently, more at weekends and in the evening.

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
from recommendations.demo.catalog import CATEGORIES, PRICE_BANDS
from recommendations.demo.shop import (
    BESTSELLERS,
    NAMES,
    first_looks_draw,
    item_kinds,
    item_names,
    item_prices,
    item_tags,
    items_draw,
    shoppers_draw,
    timestamps_draw,
    types_draw,
    visits_draw,
)
from recommendations.models import Interaction

USERNAME_PREFIX = "demo"
ITEM_CODE_PREFIX = "DEMO-"
EVENT_ID_PREFIX = "demo:"
LOCATIONS = ["Berlin", "Lisbon", "Madrid", "Paris", "London", "Warsaw", "Vienna", "Prague", "Oslo", "Rome"]


@dataclass(frozen=True)
class DemoData:
    """All generated values as arrays; users and items are numbered from 1 (``demo1``, ``DEMO-1``).

    Categories, styles and bands are indexes: into ``shop.NAMES``, a category's ``styles``, ``PRICE_BANDS``.
    """

    seed: int
    user_age: np.ndarray
    user_gender: list[str]
    user_location: list[str]
    user_interests: np.ndarray  # (users, 3) categories: first, its complement, third (-1: none)
    user_styles: np.ndarray  # (users, 3) the style of each interest
    user_band: np.ndarray
    item_category: list[str]
    item_kind: list[str]
    item_name: list[str]
    item_tags: list[list[str]]
    item_price_cents: np.ndarray
    item_band: np.ndarray
    interaction_user: np.ndarray  # 1-based user numbers
    interaction_item: np.ndarray  # 1-based item numbers
    interaction_type: np.ndarray  # indexes into ``types``
    interaction_epoch: np.ndarray  # unix seconds
    interaction_first_look: np.ndarray  # bool: a first look at the item, not a follow-up
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
    catalog = items_draw(rng, items)
    interests, styles, band = shoppers_draw(rng, users)
    user, first_look, source = visits_draw(rng, users, interactions)
    item = first_looks_draw(rng, catalog, interests, styles, band, user[first_look], source)
    latest = np.maximum.accumulate(np.where(first_look, np.arange(len(user)), 0))  # a user's first event is one
    full_item = np.zeros(len(user), dtype=np.int64)
    full_item[first_look] = item
    full_taste = np.zeros(len(user), dtype=bool)
    full_taste[first_look] = source != BESTSELLERS
    types = list(settings.INTERACTION_WEIGHTS)
    return DemoData(
        seed=seed,
        user_age=rng.integers(18, 76, size=users),
        user_gender=rng.choice(["F", "M", "O"], size=users, p=[0.48, 0.48, 0.04]).tolist(),
        user_location=rng.choice(LOCATIONS, size=users).tolist(),
        user_interests=interests,
        user_styles=styles,
        user_band=band,
        item_category=[NAMES[c] for c in catalog.category],
        item_kind=item_kinds(catalog),
        item_name=item_names(rng, catalog),
        item_tags=item_tags(rng, catalog),
        item_price_cents=item_prices(catalog),
        item_band=catalog.band,
        interaction_user=user + 1,
        interaction_item=full_item[latest] + 1,
        interaction_type=types_draw(rng, first_look, full_taste[latest], types),
        interaction_epoch=timestamps_draw(rng, first_look, latest, end),
        interaction_first_look=first_look,
        types=types,
    )


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
    _temp_table(cursor, "demo_users", "n integer, age smallint, gender text, location text, preferences jsonb")
    with cursor.copy("COPY demo_users FROM STDIN") as copy:
        copy.set_types(["integer", "smallint", "text", "text", "jsonb"])
        for n, (age, gender, location, preferences) in enumerate(
            zip(data.user_age.tolist(), data.user_gender, data.user_location, _preferences(data)), start=1
        ):
            copy.write_row((n, age, gender, location, preferences))
    cursor.execute(
        f"""
        INSERT INTO {User._meta.db_table} (password, is_superuser, username, first_name, last_name, email, is_staff,
                                           is_active, date_joined, age, gender, location, preferences,
                                           created_at, updated_at)
        SELECT '!' || left(md5(random()::text) || md5(random()::text), 40), false, %s::text || n, '', '', NULL,
               false, true, now(), age, gender, location, preferences, now(), now()
        FROM demo_users ORDER BY n
        ON CONFLICT DO NOTHING
        """,
        [USERNAME_PREFIX],
    )
    return cursor.rowcount


def _preferences(data: DemoData):
    """What a shop's profile would say: the user's categories (which bias their popular items while
    they are new), favourite tags and price band."""
    rows = zip(data.user_interests.tolist(), data.user_styles.tolist(), data.user_band.tolist(), strict=True)
    for interests, styles, band in rows:
        chosen = [(NAMES[c], CATEGORIES[NAMES[c]].styles[s]) for c, s in zip(interests, styles, strict=True)
                  if c >= 0]
        yield {"categories": [c for c, _ in chosen], "tags": [s for _, s in chosen], "price_band": PRICE_BANDS[band]}


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
