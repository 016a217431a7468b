"""Importing interactions from files: ``manage.py import_interactions`` and anything else.

Formats
-------
``csv`` (default): a header line with ``user_id,item_id,interaction_type`` and optionally
``interaction_value`` and ``timestamp`` (any order). Empty value: the type's weight from
``settings.INTERACTION_WEIGHTS``. Timestamp: unix seconds or ISO-8601 (naive means UTC);
a number is always read as unix seconds; empty means the time of the import.

``movielens``: a MovieLens folder, either the ml-100k layout (``u.data``: tab-separated
user, movie, rating, unix time; ``u.item``: ``|``-separated, latin-1, 19 genre flags; ``u.genre``
optional) or the ml-latest layout (``ratings.csv``: userId,movieId,rating,timestamp;
``movies.csv``: movieId,title,genres with ``|``-separated genres).

Ids and codes
-------------
The file's ids are the database ids the API uses afterwards: user 196 in the file is
``/users/196``. Users the database lacks are created as ``user<id>`` with an unusable password and
no email. Items the database lacks are created with ``item_code`` = the id as text for ``csv``
(item 242 -> ``"242"``) and ``ml-<movieId>`` for MovieLens, named after the movie (or ``Item <id>``
when there is no item file). Existing users and items with those ids are used as they are, never
updated. Afterwards the id sequences are moved past the largest id, so later creates do not collide.

MovieLens movies: the title is the name, the first genre (lower-cased) the category, all genres
(lower-cased) the tags, and the year from the title (or ml-100k release date) goes to
``metadata["year"]``.

MovieLens ratings: rating >= 4.0 stars -> ``like``, any lower rating -> ``view`` (a rating means
the user watched the movie); the stars are kept as ``interaction_value``.

Re-running
----------
Every imported interaction gets ``event_id = "import:<user>:<item>:<type>:<unix seconds>"``
(``-`` for no timestamp) and rows whose event_id is stored already are skipped, so importing a
file twice (or a file with repeated rows) stores each (user, item, type, timestamp) once.

Bad rows and strict mode
------------------------
Rows with a wrong column count, a non-numeric or non-positive id, an unknown interaction type,
a negative or non-numeric value or an unreadable timestamp are skipped and reported with their
line numbers. With ``strict=True`` any bad row (or an id that cannot be created because its
username or item code is taken) aborts the import; it runs in one transaction, so nothing is
written. After a commit, the cached recommendation lists of the affected users are dropped.
"""
from recommendations.events.importing.errors import (
    ImportFileError,
    InteractionImportError,
)
from recommendations.events.importing.rows import BadRow
from recommendations.events.importing.service import (
    ImportAborted,
    ImportResult,
    interactions_import,
)

__all__ = [
    "BadRow", "ImportAborted", "ImportFileError", "ImportResult", "InteractionImportError", "interactions_import",
]
