"""Exporting every user's recommendation list to CSV (``manage.py export_recommendations``).

Each list comes from ``serving.service.recommend_many``, the batch form of the function behind
GET /recommendations/{id}, so the file holds exactly what the API serves (and the lists end up in
the cache, as if every user had asked). Users are read in chunks with a keyset query (no OFFSET,
which rereads every skipped row), so a Celery fan-out can hand ``export_rows`` one chunk per task.
The file is written under a temporary name and renamed at the end: a crash leaves no half file.
"""
from __future__ import annotations

import csv
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from recengine.dbrouters import replica_or_primary
from recommendations.models import Interaction
from recommendations.serving.query import Query
from recommendations.serving.service import recommend_many

HEADER = ("user_id", "rank", "item_id", "score", "reason")
# Users whose lists are computed together (one history query, one item query, one cache round trip).
BATCH_USERS = 200


@dataclass(frozen=True)
class ExportResult:
    path: Path
    users: int
    rows: int
    seconds: float


def user_id_chunks(*, chunk_size: int) -> Iterator[list[int]]:
    """Ids of the users with interactions, ascending, ``chunk_size`` at a time (keyset pagination)."""
    after = 0
    while True:
        # A scan that may lag a moment (recengine/dbrouters.py); the block must not hold the yield.
        chunk = replica_or_primary(lambda after=after: list(
            Interaction.objects.filter(user_id__gt=after)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:chunk_size]
        ))
        if not chunk:
            return
        yield chunk
        after = chunk[-1]


def users_with_interactions_count() -> int:
    return Interaction.objects.order_by().values("user_id").distinct().count()


def export_rows(*, user_ids: Sequence[int], limit: int) -> Iterator[tuple]:
    """CSV rows (user_id, rank, item_id, score, reason) for these users, as the API ranks them."""
    for start in range(0, len(user_ids), BATCH_USERS):
        queries = [Query(user_id, limit) for user_id in user_ids[start:start + BATCH_USERS]]
        for result in recommend_many(queries, record_stats=False):
            for rank, row in enumerate(result.recommendations, start=1):
                yield result.user_id, rank, row["item_id"], row["score"], row["reason"]


def recommendations_export(*, output: Path, limit: int, chunk_size: int = 1000,
                           progress: TextIO | None = None) -> ExportResult:
    """Write every user's list to ``output`` (CSV with HEADER); replaces the file only on success.

    ``progress``: a stream (stderr) for a tqdm progress bar over users, or None for no bar.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    started = time.perf_counter()
    output = Path(output)
    users = rows = 0
    temp = output.with_name(f".{output.name}.{uuid.uuid4().hex[:12]}.part")  # same folder: rename is atomic
    try:
        with temp.open("x", newline="", encoding="utf-8") as f, _progress_bar(progress) as bar:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            for chunk in user_id_chunks(chunk_size=chunk_size):
                for row in export_rows(user_ids=chunk, limit=limit):
                    writer.writerow(row)
                    rows += 1
                users += len(chunk)
                bar.update(len(chunk))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, output)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportResult(output, users, rows, time.perf_counter() - started)


def _progress_bar(stream: TextIO | None):
    from tqdm import tqdm

    if stream is None:
        return tqdm(disable=True)
    return tqdm(total=users_with_interactions_count(), unit="users", desc="export", file=stream)
