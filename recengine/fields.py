"""Serializer fields that take JSON types as the schema documents them.

DRF coerces: ``0`` passes as ``false``, ``42`` as the string ``"42"``, ``"34"`` as the integer 34.
A client that sends the wrong type usually has a bug, and a coerced value hides it (a price sent as a
string into a name, a flag sent as a count). In request bodies these fields refuse the wrong JSON
type with a message saying what was expected. Query parameters are strings by nature: a serializer
reading ``request.query_params`` (a QueryDict) parses them as DRF does.

``StrictTypesMixin`` gives a ModelSerializer these fields for its model fields.
"""
from __future__ import annotations

from django.db import models
from django.http import QueryDict
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

# Text without the NUL character, which PostgreSQL text cannot hold (DRF's CharField refuses it).
NO_NUL_PATTERN = "^[^\\x00]*$"
# ... and not blank once DRF has trimmed it: at least one character that str.strip() keeps (spelt out
# beyond \s for the characters Python strips and ECMAScript's \s does not match).
NON_BLANK_PATTERN = "^[^\\x00]*[^\\s\\x00\\x1c-\\x1f\\x85][^\\x00]*$"

# What django.core.validators.EmailValidator requires besides RFC 5322: a dotted domain ending in letters.
EMAIL_PATTERN = "^[^@\\s\\x00]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,63}$"

_JSON_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
                    list: "an array", dict: "an object", type(None): "null"}


def json_type_name(value) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _parsing_query(field: serializers.Field) -> bool:
    """True when the field reads query parameters (strings), not a JSON body."""
    return isinstance(getattr(field.root, "initial_data", None), QueryDict)


class _StrictType:
    expected: str = ""

    def _accepts(self, data) -> bool:  # pragma: no cover - each subclass says
        raise NotImplementedError

    def to_internal_value(self, data):
        if not self._accepts(data) and not _parsing_query(self):
            raise serializers.ValidationError(f"Expected {self.expected}, got {json_type_name(data)}.",
                                              code="invalid_type")
        return super().to_internal_value(data)


class _RawLength:
    """max_length counts the characters sent, as the schema's maxLength does; DRF counts them after
    trimming whitespace (which includes control characters such as \\x1c)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictCharField(_StrictType, _RawLength, serializers.CharField):
    expected = "a string"

    def _accepts(self, data) -> bool:
        return isinstance(data, str)


class StrictEmailField(_StrictType, _RawLength, serializers.EmailField):
    expected = "a string"

    def _accepts(self, data) -> bool:
        return isinstance(data, str)


class StrictIntegerField(_StrictType, serializers.IntegerField):
    expected = "an integer"

    def _accepts(self, data) -> bool:
        return isinstance(data, int) and not isinstance(data, bool)


class StrictFloatField(_StrictType, serializers.FloatField):
    expected = "a number"

    def _accepts(self, data) -> bool:
        return isinstance(data, (int, float)) and not isinstance(data, bool)


class StrictDecimalField(_StrictType, serializers.DecimalField):
    """A decimal as the schema shows it (a string such as "9.99"), or a JSON number."""

    expected = "a decimal string such as \"9.99\" or a number"

    def _accepts(self, data) -> bool:
        return isinstance(data, (str, int, float)) and not isinstance(data, bool)


class StrictDecimalFieldSchema(OpenApiSerializerFieldExtension):
    """Requests may send a decimal as a string or a number; responses always hold the string."""

    target_class = StrictDecimalField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        as_string = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return as_string
        # A number must fit the column as the string pattern does: whole cents (decimal_places), at most
        # max_digits digits.
        step = 10 ** -self.target.decimal_places
        largest = float(10 ** (self.target.max_digits - self.target.decimal_places)) - step
        as_number = {"type": "number", "multipleOf": step, "minimum": -largest, "maximum": largest}
        for bound, value in (("minimum", self.target.min_value), ("maximum", self.target.max_value)):
            if bound in as_string:
                as_number[bound] = as_string.pop(bound)
            elif value is not None:
                as_number[bound] = float(value)
        validators = {key: as_string[key] for key in ("minimum", "maximum") if key in as_string}
        return {"anyOf": [as_string, {**as_number, **validators}]}


class StrictCharFieldSchema(OpenApiSerializerFieldExtension):
    """What the API refuses in a string, stated in the schema as a pattern (a field's own pattern, such
    as a username's, already says more): a NUL character always; a blank one (only whitespace, which
    DRF trims to nothing) unless the field allows blank. (Responses carry no pattern:
    recengine.api.document_common_errors.)"""

    target_class = "recengine.fields.StrictCharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request" and "pattern" not in schema:
            schema["pattern"] = NO_NUL_PATTERN if self.target.allow_blank else NON_BLANK_PATTERN
        return schema


class StrictEmailFieldSchema(OpenApiSerializerFieldExtension):
    """`format: email` allows addresses Django's EmailValidator refuses (e.g. "a@b", no dot in the
    domain); the pattern states the dotted domain and letter TLD it requires."""

    target_class = "recengine.fields.StrictEmailField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["pattern"] = EMAIL_PATTERN
        return schema


class StrictBooleanField(_StrictType, serializers.BooleanField):
    expected = "true or false"

    def _accepts(self, data) -> bool:
        return isinstance(data, bool)


class StrictTypesMixin:
    """For a ModelSerializer: model fields become the strict fields above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.IntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.PositiveBigIntegerField: StrictIntegerField,
        models.FloatField: StrictFloatField,
        models.DecimalField: StrictDecimalField,
        models.BooleanField: StrictBooleanField,
    }
