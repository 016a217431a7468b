from __future__ import annotations

import django_filters
from django import forms
from django.conf import settings
from drf_spectacular.utils import extend_schema_field

from recengine.api import in_utc
from recengine.filters import StrictFilterForm
from recommendations.api.fields import ID_MAX
from recommendations.models import Interaction


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class UTCDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601, moved to UTC: an offset PostgreSQL refuses (beyond +/-15:59) is a 400, not a 500."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return in_utc(parsed)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Datetime is out of range: it must fall within years 1 to 9999 in UTC.",
                                        code="invalid") from None


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


def _id_filter(field_name: str, help_text: str) -> IdFilter:
    # An explicit schema: django-filter's NumberFilter would be documented as any number.
    schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX, "description": help_text}
    return extend_schema_field(schema)(IdFilter(field_name=field_name, min_value=1, max_value=ID_MAX))


def _interaction_type_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in settings.INTERACTION_WEIGHTS]


class InteractionFilter(django_filters.FilterSet):
    user_id = _id_filter("user_id", "Only this user's interactions.")
    item_id = _id_filter("item_id", "Only interactions with this item.")
    # The schema's enum is the types configured when the process started (drf-spectacular cannot read
    # a callable's choices).
    interaction_type = extend_schema_field({"type": "string", "enum": list(settings.INTERACTION_WEIGHTS)})(
        django_filters.ChoiceFilter(
            choices=_interaction_type_choices, help_text="Only this type (one of the INTERACTION_WEIGHTS keys)."
        )
    )
    since = UTCDateTimeFilter(
        field_name="timestamp", lookup_expr="gte", help_text="Timestamp at or after this time (ISO 8601)."
    )
    until = UTCDateTimeFilter(
        field_name="timestamp", lookup_expr="lt", help_text="Timestamp before this time (ISO 8601)."
    )

    class Meta:
        model = Interaction
        form = StrictFilterForm
        fields = ["user_id", "item_id", "interaction_type", "since", "until"]
