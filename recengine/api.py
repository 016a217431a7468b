"""Project-wide API plumbing: JSON errors that name the bad field."""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views import csrf, defaults
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
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


def error_body(detail: str, code: str) -> dict:
    """The body of every error that is not about fields (README "API": one error shape)."""
    return {"detail": str(detail), "code": code}


def database_unavailable_body() -> dict:
    return error_body("The database is unavailable; try again shortly.", "database_unavailable")


# Accepted in `Authorization` (recengine/auth.py); named in the 401 and its WWW-Authenticate header.
AUTH_SCHEMES_TEXT = "send `Authorization: Bearer <key>` or `Authorization: Token <key>`"


def _api_exception(exc: Exception) -> Exception:
    """Django's exceptions as DRF's, worded for the API: a Django ValidationError raised by a service
    (e.g. a unique-constraint race) names the field like a serializer's; a 404 without a message of
    its own says "Not found." as an unknown route does. (A 401 names the accepted schemes in its
    WWW-Authenticate header, recengine/auth.py.)"""
    if isinstance(exc, DjangoValidationError):
        return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        return NotFound(exc.args[0] if exc.args else None)
    return exc


def exception_handler(exc, context):
    """DRF's handler with the API's one error shape, plus a JSON 503 (never a stack trace) when the
    database is unreachable.

    A 400 of invalid fields is the field map DRF builds (``{"field": ["message"]}``); a message not
    tied to a field (e.g. DRF's own ``["Null characters are not allowed."]`` for a bad ``?search=``)
    goes under ``non_field_errors``. Every other error, a 400 about the request as a whole included
    (not JSON), is ``{"detail": ..., "code": ...}``.
    """
    exc = _api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None:
        if isinstance(exc, ValidationError):
            if isinstance(response.data, list):
                response.data = {"non_field_errors": response.data}
        elif isinstance(exc, APIException):
            response.data = error_body(exc.detail, exc.detail.code if hasattr(exc.detail, "code") else exc.default_code)
        return response
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("database error serving %s: %s", context.get("request").path, exc.__class__.__name__)
        return Response(database_unavailable_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return None


class NamedNotFoundMixin:
    """For a viewset: the 404 of an unknown id says what is missing ("No item with id 7."), instead
    of Django's "No Item matches the given query."."""

    not_found_name = "object"

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(f"No {self.not_found_name} with id {self.kwargs[self.lookup_url_kwarg]}.") from None


_HTML_PREFIXES = ("/admin/", "/storefront/")


def not_found(request, exception=None):
    """handler404: JSON for the API (an unknown path or an id that does not match its pattern), the
    usual page for the admin and the storefront."""
    if request.path.startswith(_HTML_PREFIXES):
        return defaults.page_not_found(request, exception)
    return JsonResponse(error_body("Not found.", "not_found"), status=404)


def server_error(request):
    """handler500: JSON for the API, never a stack trace; the usual page for the admin and the storefront."""
    if request.path.startswith(_HTML_PREFIXES):
        return defaults.server_error(request)
    return JsonResponse(error_body("Server error.", "server_error"), status=500)


def bad_request(request, exception=None):
    """handler400 (e.g. a Host header not in ALLOWED_HOSTS): JSON for the API, the usual page elsewhere."""
    if request.path.startswith(_HTML_PREFIXES):
        return defaults.bad_request(request, exception)
    return JsonResponse(error_body("Bad request.", "bad_request"), status=400)


def permission_denied(request, exception=None):
    """handler403 for the views that are not DRF's: JSON for the API, the usual page elsewhere."""
    if request.path.startswith(_HTML_PREFIXES):
        return defaults.permission_denied(request, exception)
    return JsonResponse(error_body("You do not have permission to perform this action.", "permission_denied"),
                        status=403)


# Ids are PostgreSQL bigints: every `{user_id}` and `{item_id}` in a path is one of these.
ID_MAX = 2**63 - 1
PATH_ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX}
PATH_IDS = ("user_id", "item_id")

# gunicorn's limit_request_line (docker/gunicorn.conf.py): a longer request line is answered by
# gunicorn itself, before Django, with its own small HTML page.
REQUEST_LINE_LIMIT = 8190

def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW (a write with a session cookie but no CSRF token, to a view that is not DRF's):
    JSON for the API, Django's page for the admin and the storefront."""
    if request.path.startswith(_HTML_PREFIXES):
        return csrf.csrf_failure(request, reason)
    return JsonResponse(error_body(f"CSRF check failed: {reason}", "csrf_failed"), status=403)


# Answers any operation can give besides its own (authentication, permissions, limits, outages),
# added to each operation of the OpenAPI schema that does not document them already.
COMMON_ERRORS = {
    "400": "The request is invalid: a map naming each bad field or parameter, or (a body that is not "
           "JSON, a bad Content-Length) the error object.",
    "401": f"No credentials, or a key that is not valid: {AUTH_SCHEMES_TEXT}. "
           "The WWW-Authenticate header names both schemes.",
    "403": "The caller may not do this (e.g. staff only).",
    "404": "No such resource, or a path that is no route (an id that is not a positive 64-bit integer).",
    "405": "This method is not allowed here.",
    "406": "The Accept header asks for something other than JSON.",
    "413": "The request body is larger than MAX_REQUEST_BODY_BYTES.",
    "414": f"The request line (method, path and query string) is longer than {REQUEST_LINE_LIMIT} bytes. "
           "Answered by gunicorn before the API, as a small HTML page.",
    "415": "The body is not JSON (`Content-Type: application/json`).",
    "429": "Over the rate limit; the Retry-After header says how many seconds to wait.",
    "503": "The database is unavailable; try again shortly.",
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error that is not about fields: 401, 403, 404, 405, 406, 413, 415, 429, 500, 503, "
                   "and a 400 about the request as a whole. `code` is stable; `detail` is for people.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail", "code"],
    "additionalProperties": False,
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "A 400 of invalid input: each bad field or query parameter with its messages (the messages "
                   "of an item in a list or object under its index or key); `non_field_errors` for the input "
                   "as a whole.",
    "additionalProperties": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]},
    "example": {"interaction_type": ["'poke' is not a valid interaction type; allowed: view, click, like, purchase."]},
}
BAD_REQUEST_SCHEMA = {
    "oneOf": [{"$ref": "#/components/schemas/FieldErrors"}, {"$ref": "#/components/schemas/Error"}],
}
# For an operation's own 400 (OpenApiResponse(response=BAD_REQUEST, ...)).
BAD_REQUEST = {"$ref": "#/components/schemas/BadRequest"}
_HEADERS = {
    "401": {"WWW-Authenticate": {"description": "The accepted schemes: `Bearer` and `Token`.",
                                 "schema": {"type": "string"}}},
    "429": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
}


def _common_error(code: str, description: str) -> dict:
    if code == "414":
        return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}
    schema = BAD_REQUEST if code == "400" else {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}},
            **({"headers": dict(_HEADERS[code])} if code in _HEADERS else {})}


REQUEST_ID_HEADER_SCHEMA = {
    "description": "The request's id: the caller's own `X-Request-ID` when it is up to 128 characters of "
                   "letters, digits and `._:-`, else a new one. Log lines of the request and of the tasks it "
                   "queued carry it.",
    "schema": {"type": "string", "maxLength": 128},
}


def document_common_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: COMMON_ERRORS on every operation (schemas ``Error``,
    ``FieldErrors``, ``BadRequest``), the X-Request-ID header on every response
    (recengine/observability/middleware.py), and every path id an integer (PATH_ID_SCHEMA)."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(Error=ERROR_SCHEMA, FieldErrors=FIELD_ERRORS_SCHEMA, BadRequest=BAD_REQUEST_SCHEMA)
    _patterns_for_input_only(schemas)
    components.setdefault("headers", {})["RequestId"] = REQUEST_ID_HEADER_SCHEMA
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _type_path_ids(operation)
            for code, description in COMMON_ERRORS.items():
                operation["responses"].setdefault(code, _common_error(code, description))
            for response in operation["responses"].values():
                response.setdefault("headers", {})["X-Request-ID"] = {"$ref": "#/components/headers/RequestId"}
    return result


def _patterns_for_input_only(schemas: dict) -> None:
    """A pattern is a rule for what a client sends (the ``...Request`` components), not a promise about
    stored data: a username's ``^[\\w.@+-]+$`` means Unicode letters to Django (Python's ``\\w``) but
    ASCII ones to an ECMAScript reader, and a stored "José" must not look like a broken response."""
    for name, component in schemas.items():
        if not name.endswith("Request"):
            for prop in component.get("properties", {}).values():
                prop.pop("pattern", None)


def _type_path_ids(operation: dict) -> None:
    """The routers match ids with a digits pattern, which drf-spectacular documents as a string; the
    views read them as positive 64-bit integers, so clients generated from the schema should too."""
    for parameter in operation.get("parameters", ()):
        if parameter.get("in") == "path" and parameter.get("name") in PATH_IDS:
            parameter["schema"] = dict(PATH_ID_SCHEMA)
