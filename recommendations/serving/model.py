"""The model a web process serves: loaded once, swapped when another version becomes active.

Each process keeps the active artifact in memory. At most every ``MODEL_CHECK_INTERVAL`` seconds it
asks Redis which version is active (one GET; the database answers when Redis has no key), and loads
the new artifact when that changed. A missing or broken artifact means ``None``: the caller serves
popularity and a warning is logged once per version.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from recengine.observability.metrics import model_serving
from recommendations.engine.artifacts import load_artifact
from recommendations.models import ModelVersion
from recommendations.serving.content import new_items_snapshot
from recommendations.serving.served_model import ServingModel

log = logging.getLogger(__name__)

ACTIVE_VERSION_KEY = "recengine:active_model_version"
# The key expires so that a failed announcement is corrected from the database within a minute.
ANNOUNCE_TTL = 60


class _Holder:
    """Process-wide state; a lock keeps two threads from loading the same artifact at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.current: ServingModel | None = None
        self.version_id: int | None = None
        self.checked_at = float("-inf")


_holder = _Holder()


def announce_active_version(version_id: int) -> None:
    """Tell every web process (through Redis) that this version is now active."""
    try:
        get_redis_connection("default").set(ACTIVE_VERSION_KEY, version_id, ex=ANNOUNCE_TTL)
    except RedisError as exc:  # they will find it in the database instead
        log.warning("could not announce model version %s in Redis: %s", version_id, exc)


def _active_version_id() -> int | None:
    try:
        value = get_redis_connection("default").get(ACTIVE_VERSION_KEY)
        if value is not None:
            return int(value) or None
    except (RedisError, ValueError) as exc:
        log.warning("could not read the active model version from Redis: %s", exc)

    version_id = ModelVersion.objects.active().values_list("pk", flat=True).first()
    try:
        get_redis_connection("default").set(ACTIVE_VERSION_KEY, version_id or 0, ex=ANNOUNCE_TTL)
    except RedisError:
        pass
    return version_id


def load_version(version_id: int) -> ServingModel | None:
    """Load one version's artifact, or None (logged) when it is missing, corrupt or unsigned."""
    version = ModelVersion.objects.filter(pk=version_id).first()
    if version is None or not version.artifact_path:
        log.warning("model version %s has no artifact; serving popularity", version_id)
        return None
    path, root = Path(version.artifact_path).resolve(), settings.MODEL_PATH.parent.resolve()
    if not path.is_relative_to(root):
        # Artifacts are unpickled: only files from the folder this deployment writes them to.
        log.warning("model version %s: artifact %s is outside MODEL_PATH's folder %s; serving popularity",
                    version_id, version.artifact_path, root)
        return None
    artifact = load_artifact(path, key=settings.MODEL_SIGNING_KEY.encode())
    if artifact is None:
        log.warning("model version %s: artifact %s unusable; serving popularity", version_id, version.artifact_path)
        return None
    serving = ServingModel(version.pk, version.algorithm, artifact)
    _new_items_warm(serving)
    return serving


def _new_items_warm(serving: ServingModel) -> None:
    """Read the new-item snapshot with the model, so the first request does not pay for it."""
    if serving.content_index is None:
        return

    try:
        new_items_snapshot(serving)
    except Exception as exc:  # noqa: BLE001 - the first request that needs it will try again
        log.warning("model version %s: new items not read at load: %s", serving.version_id, exc)


def serving_model() -> ServingModel | None:
    """The active model, checking for a newer version at most every MODEL_CHECK_INTERVAL seconds."""
    now = time.monotonic()
    if now - _holder.checked_at < settings.MODEL_CHECK_INTERVAL:
        return _holder.current
    with _holder.lock:
        if now - _holder.checked_at < settings.MODEL_CHECK_INTERVAL:
            return _holder.current
        version_id = _active_version_id()
        if version_id != _holder.version_id:
            # Swap in one assignment: requests in flight keep the object they already hold.
            _holder.current = load_version(version_id) if version_id else None
            _holder.version_id = version_id
            _serving_metrics(version_id)
        _holder.checked_at = time.monotonic()
    return _holder.current


def reset_serving_model() -> None:
    """Forget the loaded model (tests, and after a manual artifact change)."""
    with _holder.lock:
        _holder.current = None
        _holder.version_id = None
        _holder.checked_at = float("-inf")
        _serving_metrics(None)


def model_missing_reason() -> str:
    """Why ``serving_model()`` is None: ``model_unavailable`` when a version is active but its artifact
    would not load, else ``no_active_model`` (the fallback reasons of recengine/observability/metrics.py)."""
    return "model_unavailable" if _holder.version_id and _holder.current is None else "no_active_model"


def _serving_metrics(version_id: int | None) -> None:
    """recengine_model_active_version / _info / _load_failures_total for this process."""
    current = _holder.current
    model_serving(current.version_id if current else None, current.algorithm if current else None,
                  failed=bool(version_id) and current is None)
