"""A demo storefront for staff: one page whose JavaScript calls the public API with the session cookie.

It doubles as living API documentation: each box shows the request it made. The server only
renders the shell and a short list of recently active users to pick from; everything else
(recommendations, interactions, items, similar and popular items) comes from the API.
"""
from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from recommendations.models import Interaction

RECENT_USERS = 50
# The newest interactions read to find recently active users: a bounded walk of the timestamp
# index, where counting interactions per user would scan the whole table.
RECENT_INTERACTIONS_SCANNED = 2000


def recently_active_users(*, limit: int = RECENT_USERS) -> list[User]:
    """Users of the newest interactions, most recent first."""
    newest = Interaction.objects.order_by("-timestamp").values_list("user_id", flat=True)
    ids = list(dict.fromkeys(newest[:RECENT_INTERACTIONS_SCANNED]))[:limit]
    users = User.objects.in_bulk(ids)
    return [users[pk] for pk in ids if pk in users]


@staff_member_required(login_url="admin:login")
def storefront(request: HttpRequest) -> HttpResponse:
    # The template's csrf_token (which also sets the cookie) goes back in the X-CSRFToken header of
    # the page's POST /interactions: DRF's SessionAuthentication checks it.
    return render(request, "storefront/index.html", {"recent_users": recently_active_users()})
