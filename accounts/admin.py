from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("id", "username", "email", "age", "gender", "location", "is_staff", "created_at")
    list_filter = ("is_staff", "is_superuser", "gender")
    search_fields = ("username", "email", "location", "=id")
    readonly_fields = ("created_at", "updated_at", "last_login", "date_joined")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Profile", {"fields": ("age", "gender", "location", "preferences", "created_at", "updated_at")}),
    )
