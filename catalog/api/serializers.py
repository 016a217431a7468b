"""Serializers of the items endpoints."""
from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from catalog.models import Item
from recengine.api import validate_json_storable
from recengine.fields import StrictTypesMixin

DEFAULT_LIST_LIMIT = 10


class ItemSerializer(StrictTypesMixin, serializers.ModelSerializer):
    """A catalog item. Inactive items are kept but never recommended."""

    metadata = serializers.DictField(
        required=False, validators=[validate_json_storable], help_text="Free-form JSON object."
    )

    class Meta:
        model = Item
        fields = [
            "id", "item_code", "name", "category", "tags", "price", "popularity_score",
            "metadata", "is_active", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"popularity_score": {"help_text": "Between 0 and 1; recomputed from interactions."}}


class ItemUpsertSerializer(ItemSerializer):
    """An item sent to `PUT /items/by-code/{item_code}`: the code comes from the path (context["item_code"])."""

    class Meta(ItemSerializer.Meta):
        read_only_fields = ["id", "item_code", "created_at", "updated_at"]

    def validate(self, attrs):
        code = self.context["item_code"]
        max_length = Item._meta.get_field("item_code").max_length
        if len(code) > max_length:
            message = f"Ensure this field has no more than {max_length} characters."
            raise serializers.ValidationError({"item_code": [message]})
        sent = self.initial_data.get("item_code") if isinstance(self.initial_data, dict) else None
        if sent is not None and sent != code:
            raise serializers.ValidationError({"item_code": [f"Does not match the item code in the path ({code!r})."]})
        return attrs


class _LimitField(serializers.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(
            required=False, min_value=1, max_value=settings.MAX_RECOMMENDATIONS_LIMIT,
            default=DEFAULT_LIST_LIMIT, help_text="How many, 1 to 100 (default 10).", **kwargs,
        )


class SimilarQuerySerializer(serializers.Serializer):
    limit = _LimitField()


class PopularQuerySerializer(serializers.Serializer):
    limit = _LimitField()
    category = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=50,
        help_text="Only items of these categories (repeat the parameter for several).",
    )


class ScoredItemSerializer(serializers.Serializer):
    """An item in a list: the fields a client shows, a score and why it is there."""

    item_id = serializers.IntegerField()
    item_code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    score = serializers.FloatField(
        help_text="similar: the model's similarity; content: the share of this item's tags it has too; "
        "popular: its popularity_score."
    )
    reason = serializers.CharField(
        help_text='"similar" (the active model finds them alike), "content" (same category, shared tags) '
        'or "popular" (popular in the category).'
    )


class SimilarItemsSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    similar = ScoredItemSerializer(many=True)
    model_version = serializers.IntegerField(
        allow_null=True, help_text="The ModelVersion whose similarity was consulted; null when none could be."
    )


class PopularItemsSerializer(serializers.Serializer):
    items = ScoredItemSerializer(many=True)
