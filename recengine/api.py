"""Project-wide API plumbing: JSON errors that name the bad field."""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
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
