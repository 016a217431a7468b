"""Item popularity: the weighted interaction count of each item, scaled to 0..1.

One function, two entry points: ``manage.py update_popularity`` and the hourly Celery task
``catalog.update_popularity`` (recommendations/tasks.py; it keeps the name it had in the catalog app)
both call :func:`popularity_update`.

The score of an item is the sum, over its interactions, of the configured weight of the
interaction's type (``settings.INTERACTION_WEIGHTS``), optionally decayed by age
(``weight * 0.5 ** (age_days / half_life_days)``). Scores are divided by the largest one, so
the most popular item scores exactly 1.0; items without interactions, or whose interactions
all have a type that is no longer configured, score 0.
"""
from __future__ import annotations

from django.conf import settings
from django.db import connection

from catalog.models import Item
from recommendations.models import Interaction

SECONDS_PER_DAY = 86_400


def _weighted_score_sql(half_life_days: float | None) -> tuple[str, list]:
    """``SUM(weight of the type [* decay])`` as SQL, with its parameters."""
    weights = settings.INTERACTION_WEIGHTS
    cases = " ".join("WHEN %s THEN %s::double precision" for _ in weights)
    params: list = [value for pair in weights.items() for value in pair]
    weight = f"CASE interaction_type {cases} ELSE 0 END" if weights else "0"
    if half_life_days is None:
        return f"SUM({weight})", params
    # Timestamps in the future count as new, never as more than new.
    # date_part, not EXTRACT: it returns double precision, and numeric power() is ten times slower.
    decay = "power(0.5::double precision, GREATEST(date_part('epoch', now() - timestamp), 0) / %s::double precision)"
    return f"SUM(({weight}) * {decay})", [*params, half_life_days * SECONDS_PER_DAY]


def popularity_update(*, half_life_days: float | None = None, top: int = 10) -> list[Item]:
    """Recompute ``Item.popularity_score`` for every item in one statement; return the top items.

    Every item is scored (0 when it has no interactions), and only rows whose score changed
    are written, so a run on an unchanged log leaves no dead tuples behind.
    """
    if half_life_days is not None and half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    score_sql, params = _weighted_score_sql(half_life_days)
    items = Item._meta.db_table
    interactions = Interaction._meta.db_table
    sql = f"""
        UPDATE {items} AS item SET popularity_score = scored.score
        FROM (
            SELECT candidate.id,
                   COALESCE(GREATEST(raw.score, 0) / NULLIF(MAX(GREATEST(raw.score, 0)) OVER (), 0), 0)
                       AS score
            FROM {items} AS candidate
            LEFT JOIN (
                SELECT item_id, {score_sql} AS score FROM {interactions} GROUP BY item_id
            ) AS raw ON raw.item_id = candidate.id
        ) AS scored
        WHERE item.id = scored.id AND item.popularity_score IS DISTINCT FROM scored.score
    """
    # One statement: atomic on its own, and ``updated_at`` is left alone (a score is not an edit).
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return list(Item.objects.by_popularity()[:top])
