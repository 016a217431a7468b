"""Project-wide API plumbing: JSON errors that name the bad field."""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

NUL_IN_JSON = "JSON text may not contain the NUL character (\\u0000)."


def drf_datetime(value: datetime.datetime) -> str:
    """A datetime as DRF's DateTimeField shows it (ISO 8601 in the current time zone, UTC as "Z"),
    for the hot paths that build response dicts without a serializer."""
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def in_utc(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime moved to UTC, so PostgreSQL never sees an offset it refuses (it takes at most
    +/-15:59; Python up to +/-23:59). OverflowError when UTC falls outside years 1 to 9999."""
    return value.astimezone(datetime.timezone.utc)


def json_bytes(value: Any) -> bytes:
    """Compact JSON of a value: orjson, or the standard encoder where orjson cannot (e.g. an integer
    wider than 64 bits)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def json_has_nul(value: Any) -> bool:
    """Whether a JSON value holds a NUL character, which PostgreSQL jsonb refuses (a 500 otherwise)."""
    return b"\\u0000" in json_bytes(value)


def validate_json_storable(value: Any) -> None:
    """A DRF validator for JSON fields stored in jsonb columns."""
    if json_has_nul(value):
        raise ValidationError(NUL_IN_JSON)


def database_unavailable_body() -> dict:
    return {"detail": "The database is unavailable; try again shortly.", "code": "database_unavailable"}


def exception_handler(exc, context):
    """DRF's handler, plus a JSON 503 (never a stack trace) when the database is unreachable.

    A Django ValidationError raised by a service (e.g. a unique-constraint race) becomes a 400
    naming the field, like a serializer's.
    """
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("database error serving %s: %s", context.get("request").path, exc.__class__.__name__)
        return Response(database_unavailable_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return None


_HTML_PREFIXES = ("/admin/", "/storefront/")


def not_found(request, exception=None):
    """handler404: JSON for the API (an unknown path or an id that does not match its pattern), the
    usual page for the admin and the storefront."""
    from django.views.defaults import page_not_found

    if request.path.startswith(_HTML_PREFIXES):
        return page_not_found(request, exception)
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def server_error(request):
    """handler500: JSON for the API, never a stack trace; the usual page for the admin and the storefront."""
    from django.views.defaults import server_error as server_error_page

    if request.path.startswith(_HTML_PREFIXES):
        return server_error_page(request)
    return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)


# Answers any operation can give besides its own (authentication, permissions, limits, outages),
# added to each operation of the OpenAPI schema that does not document them already.
COMMON_ERRORS = {
    "400": "The request is invalid; the body names each bad field or parameter.",
    "401": "No token, or a token that is not valid (send `Authorization: Token <key>`).",
    "403": "The caller may not do this (e.g. staff only).",
    "404": "No such resource, or an id that is not a positive 64-bit integer.",
    "405": "This method is not allowed here.",
    "406": "The Accept header asks for something other than JSON.",
    "413": "The request body is larger than MAX_REQUEST_BODY_BYTES.",
    "415": "The body is not JSON (`Content-Type: application/json`).",
    "429": "Over the rate limit; the Retry-After header says how many seconds to wait.",
    "503": "The database is unavailable; try again shortly.",
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` (a message) and often `code`; a 400 names each bad field instead.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": True,
}


REQUEST_ID_HEADER_SCHEMA = {
    "description": "The request's id: the caller's own `X-Request-ID` when it is up to 128 characters of "
                   "letters, digits and `._:-`, else a new one. Log lines of the request and of the tasks it "
                   "queued carry it.",
    "schema": {"type": "string", "maxLength": 128},
}


def document_common_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: COMMON_ERRORS on every operation (schema ``Error``), and
    the X-Request-ID header on every response (recengine/observability/middleware.py)."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components.setdefault("headers", {})["RequestId"] = REQUEST_ID_HEADER_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in COMMON_ERRORS.items():
                operation["responses"].setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
            for response in operation["responses"].values():
                response.setdefault("headers", {})["X-Request-ID"] = {"$ref": "#/components/headers/RequestId"}
    return result
