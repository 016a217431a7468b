import logging

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import User

log = logging.getLogger(__name__)

RECENT_INTERACTIONS = 20


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """End users and staff; the change page shows recent interactions and a recommendations panel."""

    change_form_template = "admin/accounts/user/change_form.html"
    list_display = ("id", "username", "email", "age", "gender", "location", "is_staff", "created_at")
    list_filter = ("is_staff", "is_superuser", "gender")
    search_fields = ("username", "email", "location")
    search_help_text = "Part of a username, email or location, or an id."
    readonly_fields = ("created_at", "updated_at", "last_login", "date_joined", "recent_interactions")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Profile", {"fields": ("age", "gender", "location", "preferences", "created_at", "updated_at")}),
        ("Interactions", {"fields": ("recent_interactions",)}),
    )

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.isdigit() and len(term) < 19:  # the primary key, not the id compared as text
            found |= queryset.filter(Q(pk=int(term)))
        return found, may_have_duplicates

    @admin.display(description="recent interactions")
    def recent_interactions(self, user: User):
        """The newest few through the (user, -timestamp) index; the changelist pages through the rest."""
        from recommendations.models import Interaction

        if user.pk is None:
            return "-"
        recent = list(Interaction.objects.filter(user=user).select_related("item")
                      .order_by("-timestamp", "-id")[:RECENT_INTERACTIONS])
        if not recent:
            return "No interactions."
        rows = format_html_join("", '<tr><td>{}</td><td>{}</td><td>{}</td><td><a href="{}">{}</a></td></tr>', (
            (f"{timezone.localtime(i.timestamp):%Y-%m-%d %H:%M:%S}", i.interaction_type, f"{i.interaction_value:g}",
             reverse("admin:catalog_item_change", args=[i.item_id]), i.item)
            for i in recent
        ))
        everything = reverse("admin:recommendations_interaction_changelist") + f"?user__id__exact={user.pk}"
        return format_html(
            '<table id="recent-interactions"><thead><tr><th>time</th><th>type</th><th>value</th><th>item</th></tr>'
            '</thead><tbody>{}</tbody></table><p>The newest {}. <a href="{}">All interactions of this user</a></p>',
            rows, len(recent), everything,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if request.method == "GET":
            extra_context.update(self._panel_context(request, object_id))
        return super().change_view(request, object_id, form_url, extra_context)

    def _panel_context(self, request, object_id) -> dict:
        from recommendations.staff.dashboard import recommendations_panel

        try:
            user_id = int(unquote(object_id))
        except ValueError:
            return {}
        context = {"can_drop_cache": self.has_change_permission(request)}
        try:
            context["recommendations_panel"] = recommendations_panel(user_id=user_id)
        except Exception as exc:  # noqa: BLE001 - a broken panel must not take the user's page with it
            log.exception("recommendations panel failed for user %s", user_id)
            context["panel_error"] = f"{type(exc).__name__}: {exc}"
        return context

    def get_urls(self):
        own = [
            path("<path:object_id>/drop-recommendations/",
                 self.admin_site.admin_view(self.drop_recommendations_view),
                 name="accounts_user_drop_recommendations"),
        ]
        return own + super().get_urls()

    def drop_recommendations_view(self, request, object_id):
        """POST: forget the user's cached list (``user_rec:{id}``); the next request computes it afresh."""
        from recommendations.serving.cache import recommendations_drop

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        recommendations_drop(user_ids=[user.pk])
        self.message_user(request, f"The cached recommendation list of {user} is dropped.")
        return redirect(reverse("admin:accounts_user_change", args=[user.pk]) + "#recommendations-panel")
