"""Storing interactions, and the reads that check them.

- ``store``: ``interaction_create`` (one event, one statement) and ``interactions_create_batch``
  (all or nothing, one COPY); both drop the users' cached lists after commit.
- ``importing``: ``interactions_import``, a CSV or MovieLens file staged with COPY in one transaction.
- ``selectors``: which users, items and event ids exist; a user's interaction summary.

Callers validate first (the API's serializers, the import's row parser); nothing here creates users
or items on the fly, except the file import, which says so.
"""
