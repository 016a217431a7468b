from django.conf import settings
from rest_framework.pagination import CursorPagination


class InteractionCursorPagination(CursorPagination):
    """Newest first. A cursor never counts the table, which may hold hundreds of millions of rows."""

    ordering = ("-timestamp", "-id")
    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    page_size_query_param = "page_size"
    max_page_size = 1000
