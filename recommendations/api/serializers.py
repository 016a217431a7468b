"""Serializers of the interactions and recommendations endpoints."""
from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_serializer
from rest_framework import serializers

from recengine.api import drf_datetime, validate_json_storable
from recengine.fields import StrictCharField
from recommendations.api.fields import (
    IdField,
    InteractionTypeField,
    JSONIdField,
    WeightField,
)
from recommendations.events.selectors import existing_item_ids, existing_user_ids
from recommendations.models import Interaction


class InteractionSerializer(serializers.ModelSerializer):
    """A stored interaction."""

    user_id = serializers.IntegerField(read_only=True)
    item_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id", "user_id", "item_id", "interaction_type", "interaction_value",
            "timestamp", "metadata", "event_id", "recomm_id",
        ]
        read_only_fields = fields


def interaction_data(interaction: Interaction) -> dict:
    """``InteractionSerializer(interaction).data``, built directly (a test keeps the two equal)."""
    return {
        "id": interaction.pk,
        "user_id": interaction.user_id,
        "item_id": interaction.item_id,
        "interaction_type": interaction.interaction_type,
        "interaction_value": float(interaction.interaction_value),
        "timestamp": drf_datetime(interaction.timestamp),
        "metadata": interaction.metadata,
        "event_id": interaction.event_id,
        "recomm_id": interaction.recomm_id,
    }


class InteractionCreateSerializer(serializers.Serializer):
    """One event to store. The user and the item must exist already.

    The schema of `POST /interactions` and the rows of the batch schema. The views validate with
    recommendations.api.batch (same rules, a fraction of the cost); tests keep them in agreement.
    """

    user_id = JSONIdField(help_text="Id of an existing user.")
    item_id = JSONIdField(help_text="Id of an existing item.")
    interaction_type = InteractionTypeField(help_text="One of the configured types (INTERACTION_WEIGHTS).")
    interaction_value = WeightField(
        required=False, allow_null=True, min_value=0,
        help_text="Weight of the event; defaults to the type's weight in INTERACTION_WEIGHTS.",
    )
    timestamp = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it happened; defaults to now."
    )
    metadata = serializers.DictField(
        required=False, allow_null=True, default=dict, validators=[validate_json_storable],
        help_text="Free-form JSON object (null: none); no NUL character (\\u0000) anywhere in it.",
    )
    event_id = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=128,
        help_text="Client-chosen id; a retried POST with the same id stores one row.",
    )
    recomm_id = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=64, default="",
        help_text="Id of the recommendation list that led to this event, if any.",
    )

    def validate(self, attrs):
        errors = {}
        if not existing_user_ids(ids={attrs["user_id"]}):
            errors["user_id"] = [f"No user with id {attrs['user_id']}."]
        if not existing_item_ids(ids={attrs["item_id"]}):
            errors["item_id"] = [f"No item with id {attrs['item_id']}."]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["event_id"] = attrs.get("event_id") or None
        return attrs


class BatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Rows stored by this request.")
    duplicates = serializers.IntegerField(
        help_text="Events skipped because their event_id was already stored or repeated."
    )


class BatchRowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the bad event in the posted list (from 0).")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Messages per field name."
    )


class BatchErrorSerializer(serializers.Serializer):
    errors = BatchRowErrorSerializer(many=True)


class BatchShapeErrorSerializer(serializers.Serializer):
    non_field_errors = serializers.ListField(
        child=serializers.CharField(), help_text="The body is not a list of events, or holds too many."
    )


class DetailErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What is wrong, e.g. the body is not JSON.")
    code = serializers.CharField(help_text="The error's stable code, e.g. parse_error.")


# A 400 of the batch endpoint: bad rows by index, a body of the wrong shape, or no JSON at all.
BATCH_400 = PolymorphicProxySerializer(
    component_name="BatchRejection",
    serializers=[BatchErrorSerializer, BatchShapeErrorSerializer, DetailErrorSerializer],
    resource_type_field_name=None,
)


@extend_schema_serializer(many=False)
class InteractionBatchSerializer(serializers.ListSerializer):
    """The body of `POST /interactions/batch`, for the schema only: the view validates rows with
    recommendations.api.batch, which is much faster for 10,000 rows."""

    child = InteractionCreateSerializer()


class RecommendationQuerySerializer(serializers.Serializer):
    user_id = IdField(
        error_messages={
            "invalid": "user_id must be a positive 64-bit integer.",
            "min_value": "user_id must be a positive 64-bit integer.",
            "max_value": "user_id must be a positive 64-bit integer.",
            "max_string_length": "user_id must be a positive 64-bit integer.",
        }
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=settings.MAX_RECOMMENDATIONS_LIMIT,
        help_text="How many recommendations; defaults to TOP_N_RECOMMENDATIONS.",
    )
    category = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=50,
        help_text="Only items of these categories (repeat the parameter for several).",
    )
    exclude = serializers.ListField(
        child=IdField(), required=False, default=list, max_length=1000,
        help_text="Item ids to leave out (repeat the parameter, or separate them with commas).",
    )
    include_seen = serializers.BooleanField(
        required=False, default=False, help_text="Also recommend items the user already interacted with."
    )

    def validate(self, attrs):
        attrs.setdefault("limit", settings.TOP_N_RECOMMENDATIONS)
        return attrs


class RecommendedItemSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    item_code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    score = serializers.FloatField()
    reason = serializers.CharField(
        help_text='Why: "personalized", "similar_to:<item_code>" (a history item it resembles), "popular" or "new".'
    )


class RecommendationListSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    recommendations = RecommendedItemSerializer(many=True)
    cached = serializers.BooleanField(help_text="Whether this answer came from the cache.")
    timestamp = serializers.DateTimeField(help_text="When this answer was made (ISO 8601).")
    model_version = serializers.IntegerField(
        allow_null=True, help_text="The ModelVersion that ranked the list; null when it is popularity only."
    )
    recomm_id = serializers.CharField(
        help_text="Identifies this list; send it back as recomm_id with interactions it led to (attribution)."
    )


def recommendation_list_data(result) -> dict:
    """``RecommendationListSerializer(result).data``, built directly: the hot path of the API.

    The serializer costs about a millisecond per answer (fields are deep-copied per instance); this
    builds the same dict from values the service already typed. A test keeps the two equal.
    """
    return {
        "user_id": result.user_id,
        "recommendations": [
            {"item_id": row["item_id"], "item_code": row["item_code"], "name": row["name"],
             "category": row["category"], "score": row["score"], "reason": row["reason"]}
            for row in result.recommendations
        ],
        "cached": result.cached,
        "timestamp": drf_datetime(result.timestamp),
        "model_version": result.model_version,
        "recomm_id": result.recomm_id,
    }


# -- item lists: GET /items/{id}/similar and GET /items/popular ---------------------------------
DEFAULT_LIST_LIMIT = 10


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
