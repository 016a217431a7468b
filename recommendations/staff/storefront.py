"""A demo storefront for staff: one page whose JavaScript calls the public API with the session cookie.

It doubles as living API documentation: each box shows the request it made. The server only
renders the shell and a short list of recently active users to pick from; everything else
(recommendations, interactions, items, similar and popular items) comes from the API. One helper of
the page's own, ``item_names``, gives the names of the items that ``similar_to:<code>`` reasons
name, so the page can say "similar to Camping stove (DEMO-374)" (the API's reasons stay codes).
"""
from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import User
from recengine.api import error_body
from recommendations.models import Interaction
from recommendations.staff.reasons import MAX_CODES, item_names

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


@require_GET
def item_names_view(request: HttpRequest) -> JsonResponse:
    """``GET /storefront/item-names?code=A&code=B``: ``{"names": {code: name}}`` of the items that exist,
    in one query. JSON answers, not the login page, since the page's script asks."""
    if not (request.user.is_active and request.user.is_staff):
        return JsonResponse(error_body("Staff only: sign in at /admin/ first.", "permission_denied"), status=403)
    codes = list(dict.fromkeys(code for code in request.GET.getlist("code") if code))
    if not codes:
        return JsonResponse({"code": ["Give at least one item code, e.g. ?code=DEMO-374."]}, status=400)
    if len(codes) > MAX_CODES:
        return JsonResponse({"code": [f"At most {MAX_CODES} codes at once; {len(codes)} given."]}, status=400)
    return JsonResponse({"names": item_names(codes)})
