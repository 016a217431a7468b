from __future__ import annotations

import django_filters

from catalog.models import Item
from recengine.filters import StrictBooleanFilter, StrictFilterForm


class ItemFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category", help_text="Exact category.")
    tag = django_filters.CharFilter(method="filter_tag", help_text="Items whose tags contain this tag.")
    min_price = django_filters.NumberFilter(field_name="price", lookup_expr="gte", help_text="Price at least this.")
    max_price = django_filters.NumberFilter(field_name="price", lookup_expr="lte", help_text="Price at most this.")
    is_active = StrictBooleanFilter(field_name="is_active", help_text="true or false.")

    class Meta:
        model = Item
        form = StrictFilterForm
        fields = ["category", "tag", "min_price", "max_price", "is_active"]

    def filter_tag(self, queryset, name, value):
        # Array containment (@>) is answered by the GIN index on tags.
        return queryset.filter(tags__contains=[value])
