"""The SQL side of an import: COPY into TEMP staging tables, then set-based INSERTs.

Everything here runs on Django's own connection inside the caller's transaction, through the
underlying psycopg 3 connection (Django's cursor wrapper has no COPY).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import Copy, sql

from accounts.models import User
from accounts.services import SEQUENCE_CATCH_UP_MAX
from catalog.models import Item
from recommendations.models import Interaction

INTERACTIONS_STAGE = "recengine_import_interactions"
ITEMS_STAGE = "recengine_import_items"
INTERACTION_COLUMNS = ["user_id", "item_id", "interaction_type", "interaction_value", "ts", "event_id"]
INTERACTION_TYPES = ["bigint", "bigint", "text", "double precision", "timestamptz", "text"]
ITEM_COLUMNS = ["id", "item_code", "name", "category", "tags", "metadata"]
ITEM_TYPES = ["bigint", "text", "text", "text", "text[]", "jsonb"]
IMPORTED_USERNAME_PREFIX = "user"
MAX_CONFLICTS_LISTED = 20

USERS, ITEMS, INTERACTIONS = User._meta.db_table, Item._meta.db_table, Interaction._meta.db_table


@dataclass(frozen=True)
class Conflict:
    """An id from the file that could not be created because its username/code is taken."""

    kind: str  # "user" or "item"
    file_id: int
    taken_by: int
    taken_value: str

    def __str__(self) -> str:
        field = "username" if self.kind == "user" else "item_code"
        return (
            f"{self.kind} {self.file_id}: {field} {self.taken_value!r} is already used by "
            f"{self.kind} id {self.taken_by}"
        )


def stages_create(cursor) -> None:
    """TEMP tables dropped at commit; dropped first too, for a second import in one transaction."""
    for name, columns, types in (
        (INTERACTIONS_STAGE, INTERACTION_COLUMNS, INTERACTION_TYPES),
        (ITEMS_STAGE, ITEM_COLUMNS, ITEM_TYPES),
    ):
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        definition = ", ".join(f"{column} {type_}" for column, type_ in zip(columns, types))
        cursor.execute(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")


def stages_drop(cursor) -> None:
    for name in (INTERACTIONS_STAGE, ITEMS_STAGE):
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")


@contextmanager
def copy_into(cursor, table: str, columns: list[str], types: list[str]) -> Iterator[Copy]:
    """A psycopg ``Copy`` to ``write_row`` into; rows stream to the server as they are written."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cursor.copy(statement) as copy:
        copy.set_types(types)
        yield copy


def stage_analyze(cursor) -> None:
    """Temp tables get no autovacuum statistics; the joins below need them."""
    cursor.execute(f"ANALYZE {INTERACTIONS_STAGE}")
    cursor.execute(f"ANALYZE {ITEMS_STAGE}")


def users_insert(cursor) -> int:
    """Create the users the file names and the database lacks: ``user<id>``, unusable password."""
    cursor.execute(
        f"""
        INSERT INTO {USERS} (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                             is_active, date_joined, age, gender, location, preferences, created_at, updated_at)
        SELECT wanted.user_id, '!' || left(md5(random()::text) || md5(random()::text), 40), false,
               %s::text || wanted.user_id, '', '', NULL, false, true, now(), NULL, '', '', '{{}}'::jsonb, now(), now()
        FROM (SELECT DISTINCT user_id FROM {INTERACTIONS_STAGE}) AS wanted
        WHERE NOT EXISTS (SELECT 1 FROM {USERS} AS existing WHERE existing.id = wanted.user_id)
        ORDER BY wanted.user_id
        ON CONFLICT DO NOTHING
        """,
        [IMPORTED_USERNAME_PREFIX],
    )
    return cursor.rowcount


def items_insert(cursor, code_prefix: str) -> int:
    """Items from the item file first, then a placeholder ``Item <id>`` for any other id rated."""
    columns = (
        "id, item_code, name, category, tags, price, popularity_score, metadata, is_active, created_at, updated_at"
    )
    cursor.execute(
        f"""
        INSERT INTO {ITEMS} ({columns})
        SELECT id, item_code, name, category, tags, NULL, 0, metadata, true, now(), now()
        FROM {ITEMS_STAGE} ORDER BY id
        ON CONFLICT DO NOTHING
        """
    )
    created = cursor.rowcount
    cursor.execute(
        f"""
        INSERT INTO {ITEMS} ({columns})
        SELECT wanted.item_id, %s::text || wanted.item_id, 'Item ' || wanted.item_id, '', '{{}}', NULL, 0,
               '{{}}'::jsonb, true, now(), now()
        FROM (SELECT DISTINCT item_id FROM {INTERACTIONS_STAGE}) AS wanted
        WHERE NOT EXISTS (SELECT 1 FROM {ITEMS} AS existing WHERE existing.id = wanted.item_id)
        ORDER BY wanted.item_id
        ON CONFLICT DO NOTHING
        """,
        [code_prefix],
    )
    return created + cursor.rowcount


def conflicts_find(cursor, code_prefix: str) -> list[Conflict]:
    """Ids still missing after the inserts: another row holds their username or item code."""
    cursor.execute(
        f"""
        (SELECT 'user', wanted.user_id, taken.id, taken.username
         FROM (SELECT DISTINCT user_id FROM {INTERACTIONS_STAGE}) AS wanted
         JOIN {USERS} AS taken ON taken.username = %s::text || wanted.user_id
         WHERE NOT EXISTS (SELECT 1 FROM {USERS} AS existing WHERE existing.id = wanted.user_id)
         ORDER BY 2 LIMIT %s)
        UNION ALL
        (SELECT 'item', wanted.id, taken.id, taken.item_code
         FROM (SELECT item_id AS id FROM {INTERACTIONS_STAGE} UNION SELECT id FROM {ITEMS_STAGE}) AS wanted
         JOIN {ITEMS} AS taken
           ON taken.item_code = COALESCE((SELECT s.item_code FROM {ITEMS_STAGE} AS s WHERE s.id = wanted.id LIMIT 1),
                                         %s::text || wanted.id)
         WHERE NOT EXISTS (SELECT 1 FROM {ITEMS} AS existing WHERE existing.id = wanted.id)
         ORDER BY 2 LIMIT %s)
        """,
        [IMPORTED_USERNAME_PREFIX, MAX_CONFLICTS_LISTED, code_prefix, MAX_CONFLICTS_LISTED],
    )
    return [Conflict(*row) for row in cursor.fetchall()]


def unresolved_rows_count(cursor) -> int:
    """Staged interactions whose user or item does not exist (they are skipped)."""
    cursor.execute(
        f"""
        SELECT count(*) FROM {INTERACTIONS_STAGE} AS s
        WHERE NOT EXISTS (SELECT 1 FROM {USERS} AS u WHERE u.id = s.user_id)
           OR NOT EXISTS (SELECT 1 FROM {ITEMS} AS i WHERE i.id = s.item_id)
        """
    )
    return cursor.fetchone()[0]


def interactions_insert(cursor) -> int:
    """Insert staged interactions once: a row whose event_id is already stored is skipped.

    A row without a timestamp gets the transaction's ``now()``. The EXISTS checks skip rows whose
    user or item could not be created, instead of failing the whole import on a foreign key.
    """
    cursor.execute(
        f"""
        INSERT INTO {INTERACTIONS} (user_id, item_id, interaction_type, interaction_value, timestamp,
                                    metadata, event_id, recomm_id)
        SELECT s.user_id, s.item_id, s.interaction_type, s.interaction_value, COALESCE(s.ts, now()),
               '{{}}'::jsonb, s.event_id, ''
        FROM {INTERACTIONS_STAGE} AS s
        WHERE EXISTS (SELECT 1 FROM {USERS} AS u WHERE u.id = s.user_id)
          AND EXISTS (SELECT 1 FROM {ITEMS} AS i WHERE i.id = s.item_id)
        ORDER BY s.ts, s.user_id
        ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING
        """
    )
    return cursor.rowcount


def staged_user_ids(cursor) -> list[int]:
    cursor.execute(f"SELECT DISTINCT user_id FROM {INTERACTIONS_STAGE}")
    return [row[0] for row in cursor.fetchall()]


def staff_user_ids(cursor) -> list[int]:
    """File users that are existing staff accounts: interactions would be attached to them."""
    cursor.execute(
        f"SELECT id FROM {USERS} WHERE is_staff AND id IN (SELECT user_id FROM {INTERACTIONS_STAGE}) ORDER BY id"
    )
    return [row[0] for row in cursor.fetchall()]


def sequences_catch_up(cursor, tables: tuple[str, ...] = (USERS, ITEMS)) -> None:
    """Move each id sequence past the largest id, so the next API create does not collide.

    It only ever moves forward: a sequence already beyond the largest id (rows deleted) stays. Ids
    above SEQUENCE_CATCH_UP_MAX are left out (see accounts.services).
    """
    for table in tables:
        cursor.execute(
            f"""
            SELECT setval(seq, top) FROM (
                SELECT pg_get_serial_sequence(%s, 'id') AS seq,
                       (SELECT max(id) FROM {table} WHERE id <= %s) AS top
            ) AS t
            WHERE top IS NOT NULL AND top > COALESCE(pg_sequence_last_value(seq::regclass), 0)
            """,
            [table, SEQUENCE_CATCH_UP_MAX],
        )
