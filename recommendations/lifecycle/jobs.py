"""Background jobs: retrain behind the retrain guard, precompute cached lists, clean up artifacts.

One function, two doors: the Celery tasks in ``recommendations/tasks.py`` and the management
commands ``retrain``, ``precompute_recommendations`` and ``cleanup_models`` call these. A job that
must not run twice at once takes a PostgreSQL advisory lock (``recengine/locks.py``) and reports
"skipped: already running" when another process holds it. Every job can safely run again:
a redelivered message (acks_late) repeats no effect.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from celery import group, signature
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from recengine.dbrouters import replica_or_primary
from recengine.locks import advisory_lock
from recommendations.lifecycle.guard import guard_evaluate
from recommendations.lifecycle.registry import model_version_activate
from recommendations.lifecycle.training import model_train, training_data_load
from recommendations.models import Interaction, ModelVersion
from recommendations.serving.query import Query
from recommendations.serving.service import recommend_many

log = logging.getLogger(__name__)

RETRAIN_LOCK = "recommendations.retrain"
PRECOMPUTE_LOCK = "recommendations.precompute_recently_active"
# The Celery task that computes one chunk (recommendations/tasks.py precompute).
PRECOMPUTE_TASK = "recommendations.precompute"
# Users computed together inside a chunk (serving.service.recommend_many).
PRECOMPUTE_BATCH_USERS = 200
CLEANUP_LOCK = "recommendations.artifacts_cleanup"
# data_fingerprint of versions trained by model_retrain starts with this (see LogMarker).
MARKER_PREFIX = "log:"
# Chunks sent per Celery group when fanning out, so a huge user table is never held in memory at once.
FANOUT_GROUP_CHUNKS = 100
# A temporary artifact file untouched for this long belongs to a save that was killed.
STALE_TEMP_FILE_SECONDS = 60 * 60


# --- Retrain ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetrainOutcome:
    status: str  # "activated", "rejected" or "skipped"
    reason: str
    version_id: int | None = None
    metrics: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status}: {self.reason}"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LogMarker:
    """A cheap mark of the interaction log: (row count, largest id, newest timestamp), one aggregate.

    Any insert raises the largest id, any delete lowers the count, so a model trained on a log with
    the same marker has seen the same rows. (An edited value or timestamp goes unnoticed: the API
    never edits interactions.)
    """

    count: int
    last_id: int
    newest_us: int

    def __str__(self) -> str:
        return f"{MARKER_PREFIX}{self.count}:{self.last_id}:{self.newest_us}"


def interactions_marker() -> LogMarker:
    row = Interaction.objects.order_by().aggregate(n=Count("*"), last_id=Max("id"), newest=Max("timestamp"))
    newest = row["newest"]
    newest_us = int(newest.timestamp() * 1_000_000) if newest else 0
    return LogMarker(row["n"], row["last_id"] or 0, newest_us)


def model_retrain(*, algorithm: str | None = None, params: dict | None = None, force: bool = False) -> RetrainOutcome:
    """Train a new version unless the data is unchanged, then activate it if the guard lets it.

    Skips when another retrain is running, when there is nothing to train on, or (unless
    ``force``) when no interaction arrived since the newest trained version. The new version is
    activated when ``guard.guard_evaluate`` finds it not worse than the active one; otherwise it
    is marked rejected with the reason in ``notes``. A failing training raises; model_train has
    then marked its version failed, and the active version is untouched.
    """
    with advisory_lock(RETRAIN_LOCK) as acquired:
        if not acquired:
            return RetrainOutcome("skipped", "already running")
        versions_abandoned_fail()
        marker = interactions_marker()  # before reading the data: rows arriving later mean "changed"
        if marker.count == 0:
            return RetrainOutcome("skipped", "there are no interactions to train on")
        newest = _newest_trained()
        if not force and newest is not None and newest.data_fingerprint == str(marker):
            return RetrainOutcome(
                "skipped", f"no new interactions since model version {newest.pk} (force to retrain anyway)",
                newest.pk,
            )
        return _train_and_guard(algorithm, params, marker)


def _newest_trained() -> ModelVersion | None:
    """The newest version trained to the end (a rejected one too: the same data would be rejected again)."""
    done = (ModelVersion.Status.READY, ModelVersion.Status.REJECTED)
    return ModelVersion.objects.filter(status__in=done).order_by("-pk").first()


def _train_and_guard(algorithm: str | None, params: dict | None, marker: LogMarker) -> RetrainOutcome:
    started = time.perf_counter()
    data = training_data_load()
    version = model_train(algorithm=algorithm, params=params, activate=False, data=data, fingerprint=str(marker))
    active = ModelVersion.objects.active().exclude(pk=version.pk).first()
    try:
        report = guard_evaluate(candidate=version, active=active, data=data)
    except Exception as exc:
        # Failed, not rejected: a crash is no verdict on the model, and the next run must try again.
        note = f"Retrain guard could not evaluate the new version: {type(exc).__name__}: {exc}"
        _version_close(version, ModelVersion.Status.FAILED, note)
        raise
    version.metrics = report.as_metrics()
    version.notes = report.summary()
    if not report.passed:
        _version_close(version, ModelVersion.Status.REJECTED, version.notes)
        log.warning("model v%s rejected: %s", version.pk, version.notes)
        return RetrainOutcome("rejected", version.notes, version.pk, version.metrics)
    version.save(update_fields=["metrics", "notes"])
    model_version_activate(version_id=version.pk)
    log.info("model v%s activated after %.1fs: %s", version.pk, time.perf_counter() - started, version.notes)
    return RetrainOutcome("activated", version.notes, version.pk, version.metrics)


def _version_close(version: ModelVersion, status: str, reason: str) -> None:
    version.status = status
    version.notes = reason
    version.save(update_fields=["status", "notes", "metrics"])


def versions_abandoned_fail() -> int:
    """Mark versions left in TRAINING by a killed run as failed; call it holding the retrain lock.

    With the lock held no retrain is running, so a TRAINING row made by one (its fingerprint is a
    log marker) is abandoned. A row from ``manage.py train`` counts as abandoned once it is older
    than the hard task time limit. Nothing waits on these rows; this keeps the admin list honest.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    abandoned = ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).filter(
        Q(data_fingerprint__startswith=MARKER_PREFIX) | Q(created_at__lt=cutoff)
    )
    count = abandoned.update(
        status=ModelVersion.Status.FAILED,
        notes="Abandoned: the training stopped before it finished (worker killed or restarted).",
    )
    if count:
        log.warning("marked %d abandoned training version(s) failed", count)
    return count


# --- Precompute ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PrecomputeOutcome:
    status: str  # "queued", "done" or "skipped"
    users: int = 0
    chunks: int = 0
    computed: int = 0  # users whose list was computed here (inline runs only)
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def recommendations_precompute(*, user_ids: Sequence[int]) -> int:
    """Compute and cache the plain list of each of these users that exists; returns how many.

    ``serving.service.recommend_many`` does the cache writes (keys ``user_rec:{id}``); a list
    already cached for the serving model version is left as it is, so running twice costs little.
    """
    existing = list(User.objects.filter(pk__in=list(user_ids)).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(existing), PRECOMPUTE_BATCH_USERS):
        batch = existing[start:start + PRECOMPUTE_BATCH_USERS]
        recommend_many([Query(user_id, settings.TOP_N_RECOMMENDATIONS) for user_id in batch], record_stats=False)
    return len(existing)


def recently_active_user_ids(*, since: datetime, chunk_size: int) -> Iterator[list[int]]:
    """Ids of users with an interaction since ``since``, in ascending chunks (keyset, never OFFSET)."""
    recent = Interaction.objects.filter(user=OuterRef("pk"), timestamp__gte=since)
    active = User.objects.filter(Exists(recent)).order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        # A scan that may lag a moment (recengine/dbrouters.py); the block must not hold the yield.
        ids = replica_or_primary(lambda last=last: list(active.filter(pk__gt=last)[:chunk_size]))
        if ids:
            yield ids
        if len(ids) < chunk_size:
            return
        last = ids[-1]


def precompute_recently_active(*, days: int = 7, chunk_size: int = 1000, inline: bool = False) -> PrecomputeOutcome:
    """Precompute the lists of users active in the last ``days`` days, ``chunk_size`` users a task.

    Fans out a Celery group of ``recommendations.precompute`` tasks (one list of ids each), or with
    ``inline`` computes them here, chunk after chunk.
    """
    if days < 1 or chunk_size < 1:
        raise ValueError("days and chunk_size must be at least 1")
    with advisory_lock(PRECOMPUTE_LOCK) as acquired:
        if not acquired:
            return PrecomputeOutcome("skipped", reason="already running")
        chunks = recently_active_user_ids(since=timezone.now() - timedelta(days=days), chunk_size=chunk_size)
        if inline:
            return _precompute_inline(chunks)
        return _precompute_fan_out(chunks)


def _precompute_inline(chunks: Iterator[list[int]]) -> PrecomputeOutcome:
    users = n_chunks = computed = 0
    for ids in chunks:
        users, n_chunks = users + len(ids), n_chunks + 1
        computed += recommendations_precompute(user_ids=ids)
    return PrecomputeOutcome("done", users, n_chunks, computed)


def _precompute_fan_out(chunks: Iterator[list[int]]) -> PrecomputeOutcome:
    users = n_chunks = 0
    batch = []
    for ids in chunks:
        users, n_chunks = users + len(ids), n_chunks + 1
        # By name: the task module (recommendations/tasks.py) calls this one, never the other way.
        batch.append(signature(PRECOMPUTE_TASK, kwargs={"user_ids": ids}))
        if len(batch) == FANOUT_GROUP_CHUNKS:
            group(batch).apply_async()
            batch = []
    if batch:
        group(batch).apply_async()
    return PrecomputeOutcome("queued", users, n_chunks)


# --- Artifact cleanup ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CleanupOutcome:
    status: str  # "done" or "skipped"
    removed: list[int] = field(default_factory=list)  # versions whose artifact was deleted
    kept: list[int] = field(default_factory=list)
    temp_files: int = 0
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def artifacts_cleanup(*, keep: int) -> CleanupOutcome:
    """Delete the artifacts of all but the newest ``keep`` versions that have one, never the active one.

    A cleaned version keeps its row (metrics, notes) with ``artifact_path`` cleared and a note; it
    can no longer be activated. Temporary files of saves killed midway are removed too.
    """
    if keep < 0:
        raise ValueError("keep must be 0 or more")
    with advisory_lock(CLEANUP_LOCK) as acquired:
        if not acquired:
            return CleanupOutcome("skipped", reason="already running")
        with_artifact = ModelVersion.objects.exclude(artifact_path="").exclude(status=ModelVersion.Status.TRAINING)
        kept = set(with_artifact.order_by("-pk").values_list("pk", flat=True)[:keep])
        kept |= set(ModelVersion.objects.active().values_list("pk", flat=True))
        candidates = with_artifact.exclude(pk__in=kept).order_by("pk").values_list("pk", flat=True)
        removed = [pk for pk in candidates if _artifact_remove(pk)]
        return CleanupOutcome("done", removed, sorted(kept), _stale_temp_files_remove())


def _artifact_remove(version_id: int) -> bool:
    """Delete one inactive version's artifact; the row lock keeps a concurrent activation out."""
    with transaction.atomic():
        version = (
            ModelVersion.objects.select_for_update().filter(pk=version_id, is_active=False)
            .exclude(artifact_path="").first()
        )
        if version is None:  # activated or cleaned meanwhile
            return False
        path = Path(version.artifact_path)
        path.unlink(missing_ok=True)
        note = f"Artifact {path.name} deleted by cleanup on {timezone.now():%Y-%m-%d %H:%M} UTC."
        version.notes = f"{version.notes}\n{note}" if version.notes else note
        version.artifact_path = ""
        version.save(update_fields=["artifact_path", "notes"])
    log.info("deleted the artifact of model v%s (%s)", version_id, path)
    return True


def _stale_temp_files_remove() -> int:
    """Temporary files (``.<artifact name>.<random>.tmp``) of saves that were killed before the rename."""
    folder, stem = settings.MODEL_PATH.parent, settings.MODEL_PATH.stem
    if not folder.is_dir():
        return 0
    cutoff = time.time() - STALE_TEMP_FILE_SECONDS
    removed = 0
    for path in folder.glob(f".{stem}-v*.tmp"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
