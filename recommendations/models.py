from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


def interaction_types() -> list[str]:
    return list(settings.INTERACTION_WEIGHTS)


def default_weight(interaction_type: str) -> float:
    return settings.INTERACTION_WEIGHTS[interaction_type]


class Interaction(models.Model):
    """One event: a user viewed, clicked, liked or bought an item.

    The accepted types and their default weights come from ``settings.INTERACTION_WEIGHTS``.
    ``event_id`` is optional and client supplied: a retried POST with the same id stores one row.
    """

    # No index of its own: interaction_user_recent_idx (user, -timestamp) serves every lookup by
    # user, and each index is one more B-tree every insert updates.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interactions", db_index=False
    )
    item = models.ForeignKey("catalog.Item", on_delete=models.CASCADE, related_name="interactions")
    interaction_type = models.CharField(max_length=32)
    interaction_value = models.FloatField()
    timestamp = models.DateTimeField(default=timezone.now)
    metadata = models.JSONField(default=dict, blank=True)
    event_id = models.CharField(max_length=128, null=True, blank=True)
    recomm_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["-timestamp"], name="interaction_timestamp_desc_idx"),
            models.Index(fields=["user", "-timestamp"], name="interaction_user_recent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id"], condition=models.Q(event_id__isnull=False), name="interaction_event_id_unique"
            ),
            models.CheckConstraint(condition=models.Q(interaction_value__gte=0), name="interaction_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.interaction_type} {self.item_id}"

    def clean(self):
        if self.interaction_type not in settings.INTERACTION_WEIGHTS:
            raise ValidationError(
                {"interaction_type": f"must be one of {', '.join(interaction_types())}, not {self.interaction_type!r}"}
            )

    def save(self, *args, **kwargs):
        if self.interaction_value is None and self.interaction_type in settings.INTERACTION_WEIGHTS:
            self.interaction_value = default_weight(self.interaction_type)
        super().save(*args, **kwargs)


def metrics_ndcg(metrics: dict | None) -> float | None:
    """nDCG@10 on the retrain guard's holdout (lifecycle/guard.py ``as_metrics``), from ModelVersion.metrics."""
    return (metrics or {}).get("ndcg@10")


def metrics_coverage(metrics: dict | None) -> float | None:
    """Catalog coverage of the candidate's top 10 on the same holdout, from ModelVersion.metrics."""
    candidate = ((metrics or {}).get("guard") or {}).get("candidate") or {}
    return candidate.get("coverage")


class ModelVersionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class ModelVersion(models.Model):
    """One trained model artifact and what is known about it. At most one version is active."""

    class Status(models.TextChoices):
        TRAINING = "training"
        READY = "ready"
        REJECTED = "rejected"
        FAILED = "failed"

    algorithm = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    artifact_path = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRAINING)
    is_active = models.BooleanField(default=False)
    n_users = models.PositiveIntegerField(default=0)
    n_items = models.PositiveIntegerField(default=0)
    n_interactions = models.PositiveBigIntegerField(default=0)
    data_fingerprint = models.CharField(max_length=128, blank=True)
    training_seconds = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="model_version_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.pk} {self.algorithm}{' (active)' if self.is_active else ''}"

    @property
    def ndcg(self) -> float | None:
        return metrics_ndcg(self.metrics)

    @property
    def coverage(self) -> float | None:
        return metrics_coverage(self.metrics)
