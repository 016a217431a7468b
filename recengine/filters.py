"""django-filter parts that refuse what a filter cannot mean.

django-filter, made for HTML forms, reads ``?until=`` as "no filter", ``?is_active=null`` (or any other
word) as "either", and the last of ``?user_id=1&user_id=2``. For an API those are client bugs that
would silently widen the answer, so a FilterSet using ``StrictFilterForm`` answers them with a 400
naming the parameter.
"""
from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from recengine.fields import NO_NUL_PATTERN


class StrictFilterForm(forms.Form):
    """A filter given empty, or more than once, is an error rather than ignored or overridden."""

    def clean(self):
        cleaned = super().clean()
        getlist = getattr(self.data, "getlist", None)
        for name in self.fields:
            if name not in self.data:
                continue
            values = getlist(name) if getlist else [self.data.get(name)]
            if len(values) > 1:
                self.add_error(name, f"Give {name} once; it was given {len(values)} times.")
            elif values[0] == "":
                self.add_error(name, f"{name} is empty: give a value, or leave the parameter out.")
        return cleaned


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).lower()
        if lowered not in ("true", "false"):
            raise forms.ValidationError(f"Must be true or false, not {value!r}.", code="invalid")
        return lowered == "true"


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(django_filters.BooleanFilter):
    """``true`` or ``false`` (any case); anything else is a 400."""

    field_class = StrictBooleanField


class SearchFilter(filters.SearchFilter):
    """DRF's ``?search=``, whose refusal of a NUL character names the parameter (``{"search": [...]}``),
    as every 400 does; the schema says the parameter holds no NUL."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as exc:
            raise ValidationError({self.search_param: exc.detail}) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["pattern"] = NO_NUL_PATTERN
        return parameters
