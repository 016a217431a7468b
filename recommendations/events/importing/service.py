"""``interactions_import``: read a file, stage it with COPY, insert what is new, in one transaction."""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from tqdm import tqdm

from recommendations.events.importing import staging
from recommendations.events.importing.errors import InteractionImportError
from recommendations.events.importing.readers import (
    Entry,
    Source,
    data_line_count,
    source_open,
)
from recommendations.events.importing.rows import BadRow
from recommendations.serving.cache import recommendations_drop

logger = logging.getLogger(__name__)

MAX_BAD_ROWS_KEPT = 1000
PROGRESS_STEP = 4096


@dataclass
class ImportResult:
    path: Path
    kind: str  # "csv", "ml-100k" or "ml-latest"
    rows_read: int = 0  # data lines of the interactions file
    rows_staged: int = 0  # of those, the good ones
    item_rows_read: int = 0  # data lines of the item file (MovieLens)
    interactions_created: int = 0
    users_created: int = 0
    items_created: int = 0
    bad_row_count: int = 0  # in both files
    bad_rows: list[BadRow] = field(default_factory=list)  # the first MAX_BAD_ROWS_KEPT of them
    conflicts: list[staging.Conflict] = field(default_factory=list)
    rows_skipped: int = 0  # good rows whose user or item could not be created (see conflicts)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_already_present(self) -> int:
        """Good rows not inserted because the same event is stored already (or repeats in the file)."""
        return self.rows_staged - self.rows_skipped - self.interactions_created

    def bad_row_add(self, bad: BadRow) -> None:
        self.bad_row_count += 1
        if len(self.bad_rows) < MAX_BAD_ROWS_KEPT:
            self.bad_rows.append(bad)


class ImportAborted(InteractionImportError):
    """Strict mode met bad rows (or ids it could not create); ``result`` lists them."""

    def __init__(self, message: str, result: ImportResult):
        super().__init__(message)
        self.result = result


def interactions_import(*, path: str | Path, fmt: str = "csv", strict: bool = False,
                        progress: bool = False) -> ImportResult:
    """Import interactions (and, for MovieLens, movies) from ``path``; see the package docstring.

    Raises ``ImportFileError`` for a missing or unrecognisable file and, with ``strict``,
    ``ImportAborted`` after a full pass that found bad rows (all of them listed in its result);
    either way nothing is written.
    """
    started = time.monotonic()
    source = source_open(Path(path), fmt)
    result = ImportResult(path=Path(path), kind=source.kind)
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            staging.stages_create(cursor)
            _stage_all(cursor, source, result, progress)
            if strict and result.bad_row_count:
                raise ImportAborted(f"{result.bad_row_count} bad rows; nothing was imported", result)
            _insert_all(cursor, source, result)
            if strict and result.conflicts:
                raise ImportAborted(f"{len(result.conflicts)} ids could not be created; nothing was imported", result)
            affected_users = staging.staged_user_ids(cursor) if result.interactions_created else []
            staging.stages_drop(cursor)
        if affected_users:
            transaction.on_commit(lambda: recommendations_drop(user_ids=affected_users))
    result.seconds = time.monotonic() - started
    logger.info(
        "imported %s: %d rows read, %d interactions, %d users, %d items created, %d bad rows, %.1f s",
        path, result.rows_read, result.interactions_created, result.users_created, result.items_created,
        result.bad_row_count, result.seconds,
    )
    return result


def _stage_all(cursor, source: Source, result: ImportResult, progress: bool) -> None:
    if source.items is not None:
        with staging.copy_into(cursor, staging.ITEMS_STAGE, staging.ITEM_COLUMNS, staging.ITEM_TYPES) as copy:
            result.item_rows_read, _ = _stream(
                source.items, copy.write_row, result, _bar(source.items_path, "items", progress)
            )
    with staging.copy_into(
        cursor, staging.INTERACTIONS_STAGE, staging.INTERACTION_COLUMNS, staging.INTERACTION_TYPES
    ) as copy:
        result.rows_read, result.rows_staged = _stream(
            source.interactions, copy.write_row, result, _bar(source.interactions_path, "interactions", progress)
        )


def _stream(entries: Callable[[], Iterator[Entry]], write: Callable, result: ImportResult, bar: tqdm):
    """Write the good rows, record the bad ones; return (lines read, rows written)."""
    read = written = 0
    with bar:
        for entry in entries():
            read += 1
            if isinstance(entry, BadRow):
                result.bad_row_add(entry)
            else:
                write(entry)
                written += 1
            if not read % PROGRESS_STEP:
                bar.update(PROGRESS_STEP)
        bar.update(read % PROGRESS_STEP)
    return read, written


def _bar(path: Path, what: str, progress: bool) -> tqdm:
    total = data_line_count(path) - 1 if progress else None  # minus the header (u.data has none: close enough)
    return tqdm(total=total, desc=f"{what} ({path.name})", unit=" rows", file=sys.stderr,
                disable=not progress, mininterval=0.5)


def _insert_all(cursor, source: Source, result: ImportResult) -> None:
    staging.stage_analyze(cursor)
    result.users_created = staging.users_insert(cursor)
    result.items_created = staging.items_insert(cursor, source.item_code_prefix)
    result.conflicts = staging.conflicts_find(cursor, source.item_code_prefix)
    if result.conflicts:
        result.rows_skipped = staging.unresolved_rows_count(cursor)
    result.interactions_created = staging.interactions_insert(cursor)
    staging.sequences_catch_up(cursor)
    staff = staging.staff_user_ids(cursor)
    if staff:
        result.warnings.append(
            f"the file's user ids {', '.join(map(str, staff[:10]))} are existing staff accounts; "
            "their interactions were attached to them"
        )
