"""Serializers of the users endpoints."""
from __future__ import annotations

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from accounts.models import User
from recengine.api import ID_MAX, validate_json_storable
from recengine.fields import StrictEmailField, StrictIntegerField, StrictTypesMixin


class UserSerializer(StrictTypesMixin, serializers.ModelSerializer):
    """An end user. `email` may be null; an empty string is stored as null."""

    email = StrictEmailField(required=False, allow_null=True, allow_blank=True, max_length=254)
    preferences = serializers.DictField(
        required=False, validators=[validate_json_storable],
        help_text="Free-form JSON object; no NUL character (\\u0000) anywhere in it.",
    )

    class Meta:
        model = User
        fields = ["id", "username", "email", "age", "gender", "location", "preferences", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"age": {"max_value": 150}}

    def validate_email(self, value: str | None) -> str | None:
        # Blank means "no email": stored as NULL so it never collides with another blank.
        if not value:
            return None
        others = User.objects.filter(email=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A user with this email already exists.")
        return value


class UserCreateSerializer(UserSerializer):
    """A new end user; `id` is optional so a shop can keep its own numeric ids."""

    id = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        validators=[UniqueValidator(queryset=User.objects.all(), message="A user with this id already exists.")],
        help_text="Optional: the shop's own id for this user. Assigned by the service when left out.",
    )

    class Meta(UserSerializer.Meta):
        read_only_fields = ["created_at", "updated_at"]


class InteractionSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_type = serializers.DictField(child=serializers.IntegerField(), help_text="Count per interaction type.")
    last_interaction_at = serializers.DateTimeField(allow_null=True)


class UserDetailSerializer(UserSerializer):
    """An end user with a summary of their interactions."""

    interaction_summary = InteractionSummarySerializer(read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "interaction_summary"]
