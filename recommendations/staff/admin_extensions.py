"""What the recommender adds to the catalog's and accounts' admin pages, attached from here.

``catalog`` and ``accounts`` never import the recommender, so their admin classes know nothing of
interactions or lists. ``recommendations/admin.py`` registers these subclasses in their place
(Django imports the admin modules in INSTALLED_APPS order, recommendations last):

- the user page opens with the recommendations panel (staff/dashboard.py), the newest interactions
  and a button that drops the user's cached list, above the user's form;
- the item page gets the similar items GET /items/{id}/similar answers.
"""
from __future__ import annotations

import logging

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import User
from catalog.admin import ItemAdmin as CatalogItemAdmin
from catalog.models import Item
from recommendations.models import Interaction
from recommendations.serving.cache import recommendations_drop
from recommendations.serving.similar import similar_items_for
from recommendations.staff.dashboard import recommendations_panel

log = logging.getLogger(__name__)

RECENT_INTERACTIONS = 20


def recent_interactions(*, user_id: int) -> list[Interaction]:
    """The newest few through the (user, -timestamp) index; the changelist pages through the rest."""
    return list(Interaction.objects.filter(user_id=user_id).select_related("item")
                .order_by("-timestamp", "-id")[:RECENT_INTERACTIONS])


class UserAdmin(AccountsUserAdmin):
    """The accounts user page, opening with the user's recommendations and newest interactions."""

    change_form_template = "admin/accounts/user/change_form.html"

    class Media:
        css = {"all": ("recommendations/admin.css",)}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if request.method == "GET":
            extra_context.update(self._overview_context(request, object_id))
        return super().change_view(request, object_id, form_url, extra_context)

    def _overview_context(self, request, object_id) -> dict:
        """The panel and the newest interactions that open the page (admin/accounts/user/change_form.html)."""
        try:
            user_id = int(unquote(object_id))
        except ValueError:
            return {}
        context = {
            "show_overview": True,
            "can_drop_cache": self.has_change_permission(request),
            "recent_interactions": recent_interactions(user_id=user_id),
            "all_interactions_url": reverse("admin:recommendations_interaction_changelist")
            + f"?user__id__exact={user_id}",
        }
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


class ItemAdmin(CatalogItemAdmin):
    """The catalog item page, with the item's similar items."""

    fields = (*CatalogItemAdmin.fields, "similar_items")
    readonly_fields = (*CatalogItemAdmin.readonly_fields, "similar_items")

    class Media:
        css = {"all": ("recommendations/admin.css",)}

    @admin.display(description="similar items (what GET /items/{id}/similar answers)")
    def similar_items(self, item: Item):
        if item.pk is None:
            return "-"
        similar = similar_items_for(item_id=item.pk, limit=10).similar
        if not similar:
            return "No active item to show."
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((row["item_code"], row["name"], f"{row['score']:.3f}", row["reason"]) for row in similar),
        )
        return format_html(
            "<table><thead><tr><th>item</th><th>name</th><th>score</th><th>reason</th></tr></thead>"
            "<tbody>{}</tbody></table>", rows,
        )


def register(site: admin.AdminSite) -> None:
    """Put these classes in place of the accounts' and catalog's own on ``site``."""
    for model, model_admin in ((User, UserAdmin), (Item, ItemAdmin)):
        if site.is_registered(model):
            site.unregister(model)
        site.register(model, model_admin)
