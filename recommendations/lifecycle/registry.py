"""The model registry: which trained version serves. Activate one (also a rollback to an older one).

Versions are ModelVersion rows with their artifact files; training adds them (lifecycle/training.py),
the cleanup job removes old artifacts (lifecycle/jobs.py), and web processes load whichever one is
active (serving/model.py), told through Redis at once after the activation commits.
"""
from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from recommendations.models import ModelVersion
from recommendations.serving.model import announce_active_version


def model_version_activate(*, version_id: int) -> ModelVersion:
    """Make one ready version the active one (also used to roll back to an older version)."""
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().get(pk=version_id)
        if version.status != ModelVersion.Status.READY:
            raise ValueError(f"Model version {version_id} is {version.status} and cannot be activated.")
        # An empty artifact_path (removed by artifacts_cleanup) must not pass as Path("") == ".".
        if not version.artifact_path or not Path(version.artifact_path).is_file():
            raise ValueError(f"Model version {version_id} has no artifact file and cannot be activated.")
        ModelVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
        version.is_active = True
        version.activated_at = timezone.now()
        version.save(update_fields=["is_active", "activated_at"])

    transaction.on_commit(lambda: announce_active_version(version.pk))
    return version
