"""The site's front door, GET /: where a visitor, and the admin's "View site" link, lands.

A browser (Accept: text/html) gets a small page of links; an API client the same facts as JSON
(DRF picks by the Accept header; */* or none is JSON, ?format=json forces it, anything else is a 406).
Who sees what:

- everyone: the API version, the admin's sign-in, the health probes, and the API docs when the caller
  may read them (API_DOCS_PUBLIC, recengine/permissions.py DocsAccess);
- staff (an admin session or a staff token) also: the storefront, /metrics (and whether it wants a
  token) and the active model version. Nothing about the model or the metrics reaches anyone else.

It is a DRF view for the token authentication, so the API's rate limits count its requests too.

Left out of the OpenAPI schema: it is a page about the service, not a resource of the API.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotAcceptable
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from recengine.permissions import DocsAccess
from recommendations.models import ModelVersion


def active_model_facts() -> dict[str, Any] | None:
    """The serving model version (id, algorithm, when it was activated); None before the first one."""
    version = ModelVersion.objects.active().only("id", "algorithm", "activated_at").first()
    if version is None:
        return None
    return {"id": version.pk, "algorithm": version.algorithm, "activated_at": version.activated_at}


def landing_facts(*, staff: bool, docs: bool) -> dict[str, Any]:
    """What GET / tells a caller: ``docs`` if it may read the API docs, ``staff`` for the rest."""
    links = {"docs": reverse("swagger-ui"), "redoc": reverse("redoc"), "schema": reverse("schema")} if docs else {}
    links |= {"admin": reverse("admin:index"), "healthz": reverse("healthz"), "readyz": reverse("readyz")}
    facts = {"service": settings.API_TITLE, "api_version": settings.API_VERSION, "links": links}
    if staff:
        links |= {"storefront": reverse("storefront"), "metrics": reverse("metrics")}
        facts |= {"metrics_token_required": bool(settings.METRICS_TOKEN), "active_model": active_model_facts()}
    return facts


@extend_schema(exclude=True)  # not an API resource (module docstring)
class LandingView(APIView):
    permission_classes = [AllowAny]
    # JSON first: DRF answers */* (curl, most HTTP libraries) with the first renderer; browsers ask for
    # text/html. Two renderers also make DRF send "Vary: Accept", so caches keep both apart.
    renderer_classes = [JSONRenderer, TemplateHTMLRenderer]
    template_name = "landing/index.html"

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except NotAcceptable:
            raise NotAcceptable(
                "GET / answers text/html or application/json; send an Accept header with one."
            ) from None

    def get(self, request):
        staff = IsAdminUser().has_permission(request, self)
        docs = DocsAccess().has_permission(request, self)
        return Response(landing_facts(staff=staff, docs=docs))
