from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """End users and staff. The recommendations app extends this page with the user's recent
    interactions and recommendations (recommendations/staff/admin_extensions.py)."""

    list_display = ("id", "username", "email", "age", "gender", "location", "is_staff", "created_at")
    list_filter = ("is_staff", "is_superuser", "gender")
    search_fields = ("username", "email", "location")
    search_help_text = "Part of a username, email or location, or an id."
    readonly_fields = ("created_at", "updated_at", "last_login", "date_joined")
    # The profile (its preferences steer recommendations) before the permissions, which are folded
    # away: their two selection widgets are taller than a screen and most end users have none.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Profile", {"fields": ("age", "gender", "location", "preferences", "created_at", "updated_at")}),
        ("Permissions", {
            "classes": ("collapse",),
            "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
        }),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.isdigit() and len(term) < 19:  # the primary key, not the id compared as text
            found |= queryset.filter(Q(pk=int(term)))
        return found, may_have_duplicates
