from django.contrib import admin

from catalog.models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("id", "item_code", "name", "category", "price", "popularity_score", "is_active")
    list_filter = ("is_active", "category")
    search_fields = ("item_code", "name", "=id")
    readonly_fields = ("popularity_score", "created_at", "updated_at")
    list_per_page = 50
    ordering = ("-popularity_score", "id")
