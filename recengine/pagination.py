"""Pagination that answers a bad ``page`` or ``page_size`` with a 400, where DRF would quietly fall
back to the first page or the default size."""
from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


def query_positive_int(request, name: str, maximum: int | None = None) -> int | None:
    """The query parameter ``name`` as a whole number from 1 (to ``maximum``), or None when absent."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    bound = f" to {maximum}" if maximum is not None else ""
    message = f"{name} must be a whole number from 1{bound}, given once."
    if len(values) > 1 or not values[0].isascii() or not values[0].isdigit():
        raise ValidationError({name: [message]})
    number = int(values[0])
    if number < 1 or (maximum is not None and number > maximum):
        raise ValidationError({name: [message]})
    return number


class StrictPageNumberPagination(PageNumberPagination):
    """``?page=N`` from 1; an empty, repeated or non-numeric page is a 400 (past the end: 404)."""

    def get_page_number(self, request, paginator):
        number = query_positive_int(request, self.page_query_param)
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
