from django.conf import settings
from rest_framework.pagination import CursorPagination

from recengine.pagination import query_positive_int


class InteractionCursorPagination(CursorPagination):
    """Newest first. A cursor never counts the table, which may hold hundreds of millions of rows.

    ``page_size`` is 1 to 1000; any other value is a 400 (DRF would quietly use the default)."""

    ordering = ("-timestamp", "-id")
    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        size = query_positive_int(request, self.page_size_query_param, self.max_page_size)
        return self.page_size if size is None else size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
