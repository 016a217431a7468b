from django.contrib import admin

from recommendations.models import Interaction


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "item", "interaction_type", "interaction_value", "timestamp")
    list_filter = ("interaction_type",)
    list_select_related = ("user", "item")
    raw_id_fields = ("user", "item")
    date_hierarchy = "timestamp"
    search_fields = ("=user__id", "=item__id", "event_id")
    show_full_result_count = False
