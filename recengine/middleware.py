"""Request body size limit for the whole site (MAX_REQUEST_BODY_BYTES).

Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only where ``request.body`` or form data is read; DRF's
JSON parser reads the stream directly, so without this a client could make a worker read and parse
any amount. Bodies are judged by their declared Content-Length before anything is read (Django's
WSGI request reads no more than that); a bad Content-Length is a 400.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from recengine.api import database_unavailable_body

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
            return JsonResponse({"detail": f"Content-Length must be a number of bytes, not {declared[:40]!r}.",
                                 "code": "bad_content_length"}, status=400)
        limit = settings.MAX_REQUEST_BODY_BYTES
        if length > limit:
            return JsonResponse({"detail": f"The request body is {length:,} bytes; at most {limit:,} are accepted.",
                                 "code": "body_too_large"}, status=413)
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
