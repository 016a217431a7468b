from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema_field

from catalog.models import Item
from recengine.fields import NO_NUL_PATTERN
from recengine.filters import StrictBooleanFilter, StrictFilterForm

# What StrictFilterForm and Django's form field accept: not empty, no NUL character.
_TEXT = {"type": "string", "minLength": 1, "pattern": NO_NUL_PATTERN}
# django-filter's NumberFilter refuses numbers above 1e50.
_PRICE = {"type": "number", "maximum": 1e50}


class ItemFilter(django_filters.FilterSet):
    category = extend_schema_field(_TEXT)(
        django_filters.CharFilter(field_name="category", help_text="Exact category.")
    )
    tag = extend_schema_field(_TEXT)(
        django_filters.CharFilter(method="filter_tag", help_text="Items whose tags contain this tag.")
    )
    min_price = extend_schema_field(_PRICE)(
        django_filters.NumberFilter(field_name="price", lookup_expr="gte", help_text="Price at least this.")
    )
    max_price = extend_schema_field(_PRICE)(
        django_filters.NumberFilter(field_name="price", lookup_expr="lte", help_text="Price at most this.")
    )
    is_active = StrictBooleanFilter(field_name="is_active", help_text="true or false.")

    class Meta:
        model = Item
        form = StrictFilterForm
        fields = ["category", "tag", "min_price", "max_price", "is_active"]

    def filter_tag(self, queryset, name, value):
        # Array containment (@>) is answered by the GIN index on tags.
        return queryset.filter(tags__contains=[value])
