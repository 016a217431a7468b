"""Site-wide request rules: the body size limit, trailing slashes, JSON error bodies.

Body size limit (MAX_REQUEST_BODY_BYTES): Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only where
``request.body`` or form data is read; DRF's JSON parser reads the stream directly, so without this a client could make a worker read and parse
any amount. Bodies are judged by their declared Content-Length before anything is read (Django's
WSGI request reads no more than that); a bad Content-Length is a 400.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import is_valid_path
from django.utils.http import escape_leading_slashes

from recengine.api import database_unavailable_body, error_body

logger = logging.getLogger(__name__)


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return JsonResponse(error_body(f"Content-Length must be a number of bytes, not {declared[:40]!r}.",
                                           "bad_content_length"), status=400)
        limit = settings.MAX_REQUEST_BODY_BYTES
        if length > limit:
            return JsonResponse(error_body(f"The request body is {length:,} bytes; at most {limit:,} are accepted.",
                                           "body_too_large"), status=413)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """PostgreSQL unreachable anywhere (admin, storefront, probes): a 503 JSON answer, never a stack
    trace. The API's DRF views answer the same through recengine.api.exception_handler."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.error("database error serving %s: %s", request.path, exception.__class__.__name__)
            return JsonResponse(database_unavailable_body(), status=503)
        return None


class TrailingSlashMiddleware:
    """One trailing-slash rule for every route (README "API"): each path has one canonical form, the
    one it is routed by (``/items/7``, ``/docs``, ``/healthz``, but ``/api/schema/`` and ``/admin/``).
    The other form, with the slash added or taken away, is answered as the canonical one: a GET or
    HEAD by a 301 to it (query string kept), any other method as if sent there, so a POST to
    ``/interactions/`` stores its event.

    Only a 404 of a path that no route matches is looked at twice (Django's CommonMiddleware does the
    same for APPEND_SLASH, which this replaces): a routed request never pays for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404:
            return response
        other = _other_form(request)
        if other is None:
            return response
        if request.method in ("GET", "HEAD"):
            query = request.META.get("QUERY_STRING", "")
            location = escape_leading_slashes(_script_prefix(request) + other) + (f"?{query}" if query else "")
            return HttpResponsePermanentRedirect(location)
        request.path = _script_prefix(request) + other
        request.path_info = other
        return self.get_response(request)


def _script_prefix(request) -> str:
    """Where the site is mounted (SCRIPT_NAME): request.path is this followed by request.path_info."""
    return request.path[: len(request.path) - len(request.path_info)]


def _other_form(request) -> str | None:
    """The path with its trailing slash added or taken away, when only that form is routed."""
    path = request.path_info
    urlconf = getattr(request, "urlconf", None)
    if path == "/" or is_valid_path(path, urlconf):
        return None
    other = path[:-1] if path.endswith("/") else f"{path}/"
    return other if is_valid_path(other, urlconf) else None


class JsonErrorBodyMiddleware:
    """An error answered with an empty body (Django's 405 of a GET-only view such as /healthz) gets the
    API's error object instead, so every error a client sees has the same shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or response.streaming or response.content:
            return response
        reason = response.reason_phrase
        body = JsonResponse(error_body(f"{reason}.", reason.lower().replace(" ", "_")), status=response.status_code)
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                body[header] = value
        return body
