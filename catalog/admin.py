from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html

from catalog.models import POPULARITY_ORDER, Item
from catalog.signals import items_left_catalog_on_commit

# (parameter value, label, lowest price included, highest price excluded)
PRICE_BANDS = (
    ("under-10", "under 10", None, Decimal(10)),
    ("10-50", "10 to 50", Decimal(10), Decimal(50)),
    ("50-200", "50 to 200", Decimal(50), Decimal(200)),
    ("200-up", "200 and more", Decimal(200), None),
    ("none", "no price", None, None),
)


class PriceBandFilter(admin.SimpleListFilter):
    title = "price"
    parameter_name = "price_band"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, _, _ in PRICE_BANDS]

    def queryset(self, request, queryset):
        band = next((band for band in PRICE_BANDS if band[0] == self.value()), None)
        if band is None:
            return queryset
        _, _, low, high = band
        if low is None and high is None:
            return queryset.filter(price__isnull=True)
        if low is not None:
            queryset = queryset.filter(price__gte=low)
        if high is not None:
            queryset = queryset.filter(price__lt=high)
        return queryset


def items_set_active(queryset, *, active: bool) -> int:
    """Activate or deactivate the items in one UPDATE; returns how many changed.

    ``update()`` sends no post_save signal, so the ``items_left_catalog`` signal that catalog/signals.py
    sends for a single save is sent here, once after commit, when any item left the catalog.
    """
    with transaction.atomic():
        leaving = queryset.filter(is_active=not active)
        ids = [] if active else list(leaving.values_list("pk", flat=True))
        changed = leaving.update(is_active=active, updated_at=timezone.now())
        if changed and not active:
            items_left_catalog_on_commit(ids)
    return changed


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("id", "code", "name", "category", "price", "popularity", "is_active")
    list_filter = ("is_active", "category", PriceBandFilter)
    search_fields = ("item_code", "name")
    search_help_text = "Part of a name or code, an exact tag, or an id."
    # popularity_score is recomputed from interactions: shown rounded, never edited.
    fields = ("item_code", "name", "category", "tags", "price", "metadata", "is_active", "popularity",
              "created_at", "updated_at")
    readonly_fields = ("popularity", "created_at", "updated_at")
    list_per_page = 50
    ordering = POPULARITY_ORDER
    actions = ["activate", "deactivate"]

    @admin.display(description="item code", ordering="item_code")
    def code(self, item: Item):
        return format_html('<span class="nowrap">{}</span>', item.item_code)  # never DEMO- / 210 on two lines

    @admin.display(description="popularity score", ordering="popularity_score")
    def popularity(self, item: Item) -> str:
        return f"{item.popularity_score:.3f}"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "tags":  # a plain input is too narrow for a few tags
            kwargs["widget"] = forms.TextInput(attrs={"class": "vLargeTextField"})
            kwargs["help_text"] = "Separated by commas, e.g. camping,cooking,lightweight."
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, may_have_duplicates
        # Tags through the GIN index (tags @> ARRAY[term]); ids exactly, not as text.
        extra = Q(tags__contains=[term])
        if term.isdigit() and len(term) < 19:
            extra |= Q(pk=int(term))
        return found | queryset.filter(extra), may_have_duplicates

    @admin.action(description="Activate selected items", permissions=["change"])
    def activate(self, request, queryset):
        changed = items_set_active(queryset, active=True)
        self.message_user(request, f"{changed} item(s) activated.")

    @admin.action(description="Deactivate selected items (never recommended again)", permissions=["change"])
    def deactivate(self, request, queryset):
        changed = items_set_active(queryset, active=False)
        self.message_user(request, f"{changed} item(s) deactivated; cached recommendation lists are invalidated.")
