"""Field rules shared by the single-event serializer and the fast batch validator."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from recengine.api import ID_MAX
from recengine.fields import StrictFloatField, StrictIntegerField


def unknown_type_message(value: Any) -> str:
    allowed = ", ".join(settings.INTERACTION_WEIGHTS)
    return f"{value!r} is not a valid interaction type; allowed: {allowed}."


class _IdBounds:
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class IdField(_IdBounds, serializers.IntegerField):
    """A positive 64-bit integer id read from a path or query string."""


class JSONIdField(_IdBounds, StrictIntegerField):
    """A positive 64-bit integer id in a request body: a JSON integer (a string is refused, as in a batch row)."""


class WeightField(StrictFloatField):
    """A finite JSON number; true/false and strings are refused."""


class InteractionTypeField(serializers.ChoiceField):
    """One of settings.INTERACTION_WEIGHTS, read when the serializer is built (tests may change it)."""

    def __init__(self, **kwargs):
        super().__init__(choices=list(settings.INTERACTION_WEIGHTS), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in self.choice_strings_to_values:
            raise serializers.ValidationError(unknown_type_message(data), code="invalid_choice")
        return self.choice_strings_to_values[data]
