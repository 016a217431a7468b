"""The request path: a list for a user, an item, or everybody, within the API's time budget.

The ways in, each module's public functions:

- ``service``: ``recommend(query)`` and ``recommend_many(queries)``, every user's list (cache, compute,
  statistics); ``query.Query`` says what is asked.
- ``policy``: which source answers (the active model, popularity) and ``explain(query)`` for staff.
- ``similar``: ``similar_items_for``; ``popular``: ``popular_items``.
- ``model``: ``serving_model()``, the active version this process holds; ``announce_active_version``.
- ``cache``: the lists in Redis (drop, epoch); ``stats``: the dashboard's hit counters.
- ``invalidation``: the receivers that keep cached lists honest when the catalog or a user changes.

No pandas and no model training here; a miss costs one history query (``history``) and item fields
from a per-process table (``item_rows``).
"""
