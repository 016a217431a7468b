"""Serializers of the items endpoints."""
from __future__ import annotations

from rest_framework import serializers

from catalog.models import Item
from recengine.api import validate_json_storable
from recengine.fields import StrictTypesMixin


class ItemSerializer(StrictTypesMixin, serializers.ModelSerializer):
    """A catalog item. Inactive items are kept but never recommended."""

    metadata = serializers.DictField(
        required=False, validators=[validate_json_storable],
        help_text="Free-form JSON object; no NUL character (\\u0000) anywhere in it.",
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
