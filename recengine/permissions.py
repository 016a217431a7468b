"""Who may call what: API_PUBLIC_READS and API_DOCS_PUBLIC (both read on every request).

- Every write needs an authenticated token (or a staff session).
- Reads need one too, unless API_PUBLIC_READS is on: then the reads of views marked
  ``public_reads = True`` (recommendations, items, similar and popular items) are open to anyone.
  User records and the interaction listing never are; staff-only operations check staff themselves.
- The OpenAPI schema, Swagger UI and ReDoc are public with API_DOCS_PUBLIC (the default), else
  staff only (a staff token or an admin session).
"""
from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import (
    SAFE_METHODS,
    BasePermission,
    IsAdminUser,
    IsAuthenticated,
)


class APIAccess(BasePermission):
    """REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]: a token, or an open read (module docstring)."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS and settings.API_PUBLIC_READS and getattr(view, "public_reads", False):
            return True
        return IsAuthenticated().has_permission(request, view)


class DocsAccess(BasePermission):
    """SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]: everyone, or staff only (API_DOCS_PUBLIC)."""

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or IsAdminUser().has_permission(request, view)
