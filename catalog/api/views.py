"""Thin views over catalog items."""
from __future__ import annotations

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api import examples
from catalog.api.filters import ItemFilter
from catalog.api.serializers import ItemSerializer, ItemUpsertSerializer
from catalog.models import Item
from catalog.services import item_upsert
from recengine.api import BAD_REQUEST, NamedNotFoundMixin
from recengine.filters import SearchFilter

_BAD_REQUEST = OpenApiResponse(
    response=BAD_REQUEST, description="Invalid fields, each named.", examples=examples.ITEM_ERROR
)
# A code in the path: what the model stores (max_length), no slash (a path segment), no NUL (PostgreSQL).
_ITEM_CODE = {"type": "string", "minLength": 1, "maxLength": Item._meta.get_field("item_code").max_length,
              "pattern": "^[^/\\x00]+$"}
_WRITE = {"responses": {200: ItemSerializer, 201: ItemSerializer, 400: _BAD_REQUEST}}


@extend_schema(tags=["items"])
@extend_schema_view(
    list=extend_schema(
        summary="List items",
        description="Filter by category, tag, price range and is_active; search name or item_code with ?search=.",
        examples=[examples.ITEM_LIST_ITEM],
    ),
    retrieve=extend_schema(summary="An item", examples=examples.ITEM_RESPONSE),
    create=extend_schema(
        summary="Create an item",
        responses={201: ItemSerializer, 400: _BAD_REQUEST},
        examples=examples.ITEM_REQUEST + examples.ITEM_RESPONSE,
    ),
    update=extend_schema(
        summary="Replace an item's fields", **_WRITE, examples=examples.ITEM_REQUEST + examples.ITEM_RESPONSE
    ),
    partial_update=extend_schema(
        summary="Change some of an item's fields", **_WRITE, examples=examples.DEACTIVATE + examples.ITEM_RESPONSE
    ),
    destroy=extend_schema(summary="Delete an item and its interactions"),
)
class ItemViewSet(NamedNotFoundMixin, viewsets.ModelViewSet):
    """Catalog items."""

    queryset = Item.objects.all()
    serializer_class = ItemSerializer
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = ItemFilter
    search_fields = ["name", "item_code"]
    lookup_url_kwarg = "item_id"
    lookup_value_regex = r"\d+"
    not_found_name = "item"
    public_reads = True  # open to anyone with API_PUBLIC_READS (recengine/permissions.py)

    def get_object(self):
        """The item of the URL: by id, or by code on ``/items/by-code/{item_code}`` (DRF's OPTIONS
        answer asks for it there too, to describe the PUT)."""
        if "item_code" in self.kwargs:
            item = Item.objects.filter(item_code=self.kwargs["item_code"]).first()
            if item is None:
                raise Http404(f"No item with code {self.kwargs['item_code']!r}.")
            self.check_object_permissions(self.request, item)
            return item
        return super().get_object()

    @extend_schema(
        summary="Create or update the item with this code",
        description="201 when the item was created, 200 when it existed and was updated. "
        "Fields left out keep their stored value (or their default, for a new item).",
        parameters=[OpenApiParameter("item_code", _ITEM_CODE, OpenApiParameter.PATH)],
        request=ItemUpsertSerializer,
        **_WRITE,
        examples=examples.UPSERT_REQUEST + examples.ITEM_RESPONSE,
    )
    @action(
        detail=False, methods=["put"], url_path=r"by-code/(?P<item_code>[^/]+)",
        filter_backends=[], pagination_class=None,
    )
    def upsert(self, request: Request, item_code: str) -> Response:
        existing = Item.objects.filter(item_code=item_code).first()
        serializer = ItemUpsertSerializer(existing, data=request.data, context={"item_code": item_code})
        serializer.is_valid(raise_exception=True)
        item, created = item_upsert(item_code=item_code, **serializer.validated_data)
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
