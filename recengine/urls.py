from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from recengine import health
from recengine.observability import views as observability

# Probes and the API first: Django tries the patterns in order on every request, and the busiest
# paths (probes, GET /recommendations/{id}) should not walk the admin's and the docs' patterns.
urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", observability.metrics, name="metrics"),  # Prometheus; not in the OpenAPI schema
    path("", include("recommendations.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("catalog.api.urls")),
    path("admin/", admin.site.urls),
    path("storefront/", include("recommendations.staff.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include("recommendations.staff.landing_urls")),  # GET /: links for people, facts as JSON
]

handler400 = "recengine.api.bad_request"
handler403 = "recengine.api.permission_denied"
handler404 = "recengine.api.not_found"
handler500 = "recengine.api.server_error"
