"""Field rules shared by the single-event serializer and the fast batch validator."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

# Ids are PostgreSQL bigints.
ID_MAX = 2**63 - 1


def unknown_type_message(value: Any) -> str:
    allowed = ", ".join(settings.INTERACTION_WEIGHTS)
    return f"{value!r} is not a valid interaction type; allowed: {allowed}."


class IdField(serializers.IntegerField):
    """A positive 64-bit integer id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class WeightField(serializers.FloatField):
    """A finite number; true/false are refused rather than read as 1/0."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class InteractionTypeField(serializers.ChoiceField):
    """One of settings.INTERACTION_WEIGHTS, read when the serializer is built (tests may change it)."""

    def __init__(self, **kwargs):
        super().__init__(choices=list(settings.INTERACTION_WEIGHTS), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in self.choice_strings_to_values:
            raise serializers.ValidationError(unknown_type_message(data), code="invalid_choice")
        return self.choice_strings_to_values[data]
