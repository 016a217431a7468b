from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# The order of "most popular": highest popularity_score first, ties by id (stable across pages).
POPULARITY_ORDER = ("-popularity_score", "id")


class ItemQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def by_popularity(self):
        return self.order_by(*POPULARITY_ORDER)


class Item(models.Model):
    """Something a user can view, click, like or buy. Inactive items are never recommended."""

    item_code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    category = models.CharField(max_length=100, blank=True, db_index=True)
    tags = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    popularity_score = models.FloatField(
        default=0.0, db_index=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    metadata = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            GinIndex(fields=["tags"], name="item_tags_gin"),
            models.Index(
                fields=["-popularity_score"], name="item_active_popular_idx", condition=models.Q(is_active=True)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(popularity_score__gte=0.0) & models.Q(popularity_score__lte=1.0),
                name="item_popularity_score_0_1",
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="item_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item_code} {self.name}"
