"""The files an import reads: the generic CSV and the two MovieLens layouts.

``source_open`` checks that the files exist and start the way they should (raising
``ImportFileError`` before anything is written), and returns a ``Source`` whose generators yield,
for every data line, either a staging row or a ``BadRow``.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from recommendations.events.importing.errors import ImportFileError
from recommendations.events.importing.rows import (
    BadRow,
    BadValue,
    interaction_row,
    interaction_type_check,
    parse_id,
    parse_timestamp,
    parse_value,
    rating_interaction_type,
    rating_types_check,
)

CSV_REQUIRED = ("user_id", "item_id", "interaction_type")
CSV_OPTIONAL = ("interaction_value", "timestamp")
ML_LATEST_RATINGS_HEADER = ["userId", "movieId", "rating", "timestamp"]
ML_LATEST_MOVIES_HEADER = ["movieId", "title", "genres"]
# ml-100k's u.genre, in flag order, for folders that lack the file.
ML_100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
]
NO_GENRE = {"unknown", "(no genres listed)"}
MOVIELENS_CODE_PREFIX = "ml-"
TITLE_YEAR = re.compile(r"\((\d{4})\)\s*$")
DATE_YEAR = re.compile(r"(\d{4})\s*$")

Entry = tuple | BadRow


@dataclass(frozen=True)
class Source:
    """What one import reads. ``item_code_prefix`` + id is the code of every item it creates."""

    kind: str  # "csv", "ml-100k" or "ml-latest"
    interactions_path: Path
    interactions: Callable[[], Iterator[Entry]]
    item_code_prefix: str = ""
    items_path: Path | None = None
    items: Callable[[], Iterator[Entry]] | None = None


def source_open(path: Path, fmt: str) -> Source:
    openers = {"csv": _csv_source, "movielens": _movielens_source}
    if fmt not in openers:
        raise ImportFileError(f"unknown format {fmt!r}; use 'csv' or 'movielens'")
    try:
        return openers[fmt](path)
    except OSError as exc:  # unreadable: permissions, a broken link, ...
        raise ImportFileError(f"{path}: {exc.strerror or exc}") from exc


def data_line_count(path: Path) -> int:
    """Lines in the file (a cheap total for the progress bar)."""
    count, last = 0, b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


# --- Generic CSV ----------------------------------------------------------------------------------

def _csv_source(path: Path) -> Source:
    if path.is_dir():
        raise ImportFileError(f"{path} is a folder; for a MovieLens folder use --format movielens")
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    columns = _csv_columns(path)
    return Source("csv", path, lambda: _csv_interactions(path, columns))


def _csv_columns(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        header = next(csv.reader(f), [])
    columns = [name.strip().lower() for name in header]
    allowed = CSV_REQUIRED + CSV_OPTIONAL
    if (
        any(name not in columns for name in CSV_REQUIRED)
        or any(name not in allowed for name in columns)
        or len(set(columns)) != len(columns)
    ):
        raise ImportFileError(
            f"{path}: expected a header line with the columns {','.join(allowed)} "
            f"(the last two optional), got {','.join(header)[:200]!r}"
        )
    return columns


def _csv_interactions(path: Path, columns: list[str]) -> Iterator[Entry]:
    at = {name: i for i, name in enumerate(columns)}
    value_at, time_at = at.get("interaction_value"), at.get("timestamp")
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        reader = csv.reader(f)
        next(reader)
        for line, fields in _csv_records(reader, path.name):
            if isinstance(fields, BadRow):
                yield fields
            elif len(fields) != len(columns):
                yield BadRow(path.name, line, f"expected {len(columns)} columns, got {len(fields)}")
            else:
                value_text = fields[value_at].strip() if value_at is not None else ""
                time_text = fields[time_at].strip() if time_at is not None else ""
                yield _entry(path.name, line, _csv_row, fields[at["user_id"]], fields[at["item_id"]],
                             fields[at["interaction_type"]], value_text, time_text)


def _csv_row(user_text: str, item_text: str, type_text: str, value_text: str, time_text: str) -> tuple:
    interaction_type = interaction_type_check(type_text)
    value = parse_value(value_text) if value_text else settings.INTERACTION_WEIGHTS[interaction_type]
    return interaction_row(
        parse_id(user_text, "user_id"), parse_id(item_text, "item_id"), interaction_type, value,
        parse_timestamp(time_text) if time_text else None,
    )


def _csv_records(reader, source: str) -> Iterator[tuple[int, list[str] | BadRow]]:
    """(line number, fields) for each non-blank record; a record the csv module rejects is bad."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, BadRow(source, reader.line_num, f"unreadable CSV record: {exc}")
            continue
        if fields:
            yield reader.line_num, fields


def _entry(source: str, line: int, parse: Callable[..., tuple], *fields) -> Entry:
    try:
        return parse(*fields)
    except BadValue as exc:
        return BadRow(source, line, str(exc))


# --- MovieLens ------------------------------------------------------------------------------------

def _movielens_source(folder: Path) -> Source:
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "no such folder"
        raise ImportFileError(f"{folder}: {what}; --format movielens expects a MovieLens folder")
    rating_types_check()
    if (folder / "u.data").is_file():
        return _ml100k_source(folder)
    if (folder / "ratings.csv").is_file():
        return _ml_latest_source(folder)
    raise ImportFileError(
        f"{folder}: not a MovieLens folder; expected u.data (ml-100k layout) or ratings.csv "
        "(ml-latest layout)"
    )


def _ml100k_source(folder: Path) -> Source:
    ratings, items = folder / "u.data", folder / "u.item"
    with ratings.open(encoding="latin-1") as f:
        first = f.readline().rstrip("\r\n").split("\t")
    if len(first) != 4 or not first[0].strip().isdigit():
        raise ImportFileError(f"{ratings}: expected tab-separated 'user id, item id, rating, timestamp' lines")
    genres = _ml100k_genres(folder / "u.genre")
    return Source(
        "ml-100k", ratings, lambda: _ml100k_ratings(ratings), MOVIELENS_CODE_PREFIX,
        items if items.is_file() else None, (lambda: _ml100k_items(items, genres)) if items.is_file() else None,
    )


def _ml100k_genres(path: Path) -> list[str]:
    if not path.is_file():
        return ML_100K_GENRES
    pairs = []
    for line in path.read_text(encoding="latin-1").splitlines():
        name, _, index = line.partition("|")
        if index.strip().isdigit():
            pairs.append((int(index), name.strip()))
    return [name for _, name in sorted(pairs)] or ML_100K_GENRES


def _ml100k_ratings(path: Path) -> Iterator[Entry]:
    with path.open(encoding="latin-1") as f:
        for line, text in enumerate(f, start=1):
            if text.strip():
                yield _rating_entry(path.name, line, text.rstrip("\r\n").split("\t"))


def _ml100k_items(path: Path, genres: list[str]) -> Iterator[Entry]:
    width = 5 + len(genres)
    with path.open(encoding="latin-1") as f:
        for line, text in enumerate(f, start=1):
            fields = text.rstrip("\r\n").split("|")
            if not text.strip():
                continue
            if len(fields) != width:
                yield BadRow(path.name, line, f"expected {width} '|'-separated fields, got {len(fields)}")
                continue
            flags = fields[5:]
            if any(flag not in ("0", "1") for flag in flags):
                yield BadRow(path.name, line, "genre flags must be 0 or 1")
                continue
            movie_genres = [genre for genre, flag in zip(genres, flags) if flag == "1"]
            yield _entry(path.name, line, _movie_row, fields[0], fields[1], movie_genres, fields[2])


def _ml_latest_source(folder: Path) -> Source:
    ratings, movies = folder / "ratings.csv", folder / "movies.csv"
    _expect_header(ratings, ML_LATEST_RATINGS_HEADER)
    if movies.is_file():
        _expect_header(movies, ML_LATEST_MOVIES_HEADER)
    return Source(
        "ml-latest", ratings, lambda: _ml_latest_ratings(ratings), MOVIELENS_CODE_PREFIX,
        movies if movies.is_file() else None, (lambda: _ml_latest_movies(movies)) if movies.is_file() else None,
    )


def _expect_header(path: Path, expected: list[str]) -> None:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        header = [name.strip() for name in next(csv.reader(f), [])]
    if header != expected:
        raise ImportFileError(f"{path}: expected the header {','.join(expected)!r}, got {','.join(header)[:200]!r}")


def _ml_latest_ratings(path: Path) -> Iterator[Entry]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        reader = csv.reader(f)
        next(reader)
        for line, fields in _csv_records(reader, path.name):
            yield fields if isinstance(fields, BadRow) else _rating_entry(path.name, line, fields)


def _ml_latest_movies(path: Path) -> Iterator[Entry]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        reader = csv.reader(f)
        next(reader)
        for line, fields in _csv_records(reader, path.name):
            if isinstance(fields, BadRow):
                yield fields
            elif len(fields) != 3:
                yield BadRow(path.name, line, f"expected 3 columns, got {len(fields)}")
            else:
                genres = [genre for genre in fields[2].split("|") if genre.strip()]
                yield _entry(path.name, line, _movie_row, fields[0], fields[1], genres, "")


def _rating_entry(source: str, line: int, fields: list[str]) -> Entry:
    if len(fields) != 4:
        return BadRow(source, line, f"expected 4 fields (user, movie, rating, timestamp), got {len(fields)}")
    return _entry(source, line, _rating_row, *fields)


def _rating_row(user_text: str, movie_text: str, rating_text: str, time_text: str) -> tuple:
    rating = parse_value(rating_text, "rating")
    return interaction_row(
        parse_id(user_text, "user id"), parse_id(movie_text, "movie id"), rating_interaction_type(rating),
        rating, parse_timestamp(time_text),
    )


def _movie_row(id_text: str, title: str, genres: list[str], release_date: str) -> tuple:
    """A row of the item staging table: first genre is the category, all genres are tags."""
    movie_id = parse_id(id_text, "movie id")
    title = title.strip()
    tags = list(dict.fromkeys(genre.strip().lower()[:64] for genre in genres if genre.strip() not in NO_GENRE))
    year = TITLE_YEAR.search(title) or DATE_YEAR.search(release_date.strip())
    metadata = {"source": "movielens"} | ({"year": int(year.group(1))} if year else {})
    return (
        movie_id, f"{MOVIELENS_CODE_PREFIX}{movie_id}", (title or f"Item {movie_id}")[:255],
        tags[0][:100] if tags else "", tags, metadata,
    )
