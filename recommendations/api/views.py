"""Thin views: parse input, call one service, shape the answer."""
from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Item
from recengine.api import BAD_REQUEST, ID_MAX
from recengine.fields import NON_BLANK_PATTERN
from recommendations.api import examples
from recommendations.api.batch import (
    BatchRejected,
    batch_store,
    event_from_payload,
    events_from_payload,
)
from recommendations.api.fastpath import fast_response
from recommendations.api.filters import InteractionFilter
from recommendations.api.pagination import InteractionCursorPagination
from recommendations.api.queries import recommendation_query
from recommendations.api.serializers import (
    BATCH_400,
    DEFAULT_LIST_LIMIT,
    BatchResultSerializer,
    InteractionBatchSerializer,
    InteractionCreateSerializer,
    InteractionSerializer,
    PopularItemsSerializer,
    PopularQuerySerializer,
    RecommendationListSerializer,
    SimilarItemsSerializer,
    SimilarQuerySerializer,
    interaction_data,
    recommendation_list_data,
)
from recommendations.events.store import interaction_create
from recommendations.models import Interaction
from recommendations.serving.popular import popular_items
from recommendations.serving.service import recommend
from recommendations.serving.similar import similar_items_for


def _bad_request(description: str, samples=None) -> OpenApiResponse:
    return OpenApiResponse(response=BAD_REQUEST, description=description, examples=samples)


# Query parameters as the serializers check them (recommendations/api/serializers.py).
_LIMIT_SCHEMA = {"type": "integer", "minimum": 1, "maximum": settings.MAX_RECOMMENDATIONS_LIMIT}
_CATEGORIES = {"type": "array", "maxItems": 50,
               "items": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": NON_BLANK_PATTERN}}


@extend_schema(tags=["interactions"])
class InteractionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Events users had with items: post one, post a batch, or (staff) browse them."""

    queryset = Interaction.objects.all()
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    pagination_class = InteractionCursorPagination

    def get_permissions(self):
        if self.action == "list":
            return [permissions.IsAdminUser()]
        return super().get_permissions()

    @extend_schema(
        summary="List interactions (staff only)",
        responses={200: InteractionSerializer(many=True)},
        examples=examples.INTERACTION_PAGE,
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Store one interaction",
        description="201 with the stored row. A retried POST whose event_id is already stored answers 200 "
        "with the stored row and stores nothing.",
        request=InteractionCreateSerializer,
        responses={
            201: InteractionSerializer,
            200: InteractionSerializer,
            400: _bad_request(
                "A field is missing or invalid, or names an unknown user or item.", examples.INTERACTION_ERROR
            ),
        },
        examples=examples.INTERACTION_REQUEST + examples.INTERACTION_RESPONSE,
    )
    def create(self, request: Request) -> Response:
        event = event_from_payload(request.data)
        interaction, created = interaction_create(**asdict(event))
        return Response(interaction_data(interaction), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Store a batch of interactions",
        description="All or nothing, in one transaction, up to MAX_BATCH_INTERACTIONS events. Events whose "
        "event_id is already stored, or repeats an earlier one in the batch, are skipped and counted as "
        "duplicates. A 400 lists every bad row by index and stores nothing.",
        request=InteractionBatchSerializer,
        responses={201: BatchResultSerializer, 400: BATCH_400},
        examples=examples.BATCH_REQUEST + examples.BATCH_RESPONSE,
    )
    @action(detail=False, methods=["post"], url_path="batch", pagination_class=None, filterset_class=None)
    def batch(self, request: Request) -> Response:
        try:
            result = batch_store(events_from_payload(request.data))
        except BatchRejected as rejected:
            return Response({"errors": rejected.rows}, status=status.HTTP_400_BAD_REQUEST)
        return Response(asdict(result), status=status.HTTP_201_CREATED)


@extend_schema(tags=["recommendations"])
class RecommendationViewSet(viewsets.ViewSet):
    """Recommendation lists per user."""

    lookup_field = "user_id"
    lookup_value_regex = "[^/]+"
    public_reads = True  # open to anyone with API_PUBLIC_READS (recengine/permissions.py)

    @extend_schema(
        summary="Recommendations for a user",
        description="Active items the user has not interacted with yet, best first. Users with at least "
        "MIN_INTERACTIONS_FOR_PERSONALIZED interactions get the active model's list (backfilled with popular "
        "items); others, and ids never seen, get popular items biased toward their categories. Answers come "
        "from the cache when they can (`cached: true`); a new interaction of the user drops the cached list.",
        parameters=[
            OpenApiParameter(
                "user_id", OpenApiTypes.INT64, OpenApiParameter.PATH, description="A positive 64-bit integer."
            ),
            OpenApiParameter(
                "limit", _LIMIT_SCHEMA, OpenApiParameter.QUERY,
                description="How many, 1 to 100; defaults to TOP_N_RECOMMENDATIONS (10).",
            ),
            OpenApiParameter(
                "category", _CATEGORIES, OpenApiParameter.QUERY,
                description="Only items of this category; repeat for several (at most 50).",
            ),
            OpenApiParameter(
                "exclude", {"type": "array", "maxItems": 1000,
                            "items": {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX}},
                OpenApiParameter.QUERY,
                description="Item ids to leave out; repeat or separate with commas (at most 1000).",
            ),
            OpenApiParameter(
                "include_seen", OpenApiTypes.BOOL, OpenApiParameter.QUERY,
                description="Also recommend items the user already interacted with (default false).",
            ),
        ],
        responses={
            200: RecommendationListSerializer,
            400: _bad_request("user_id or limit is invalid.", examples.RECOMMENDATIONS_ERROR),
        },
        examples=examples.RECOMMENDATIONS,
    )
    def retrieve(self, request: Request, user_id: str) -> Response:
        return Response(recommendation_list_data(recommend(recommendation_query(request.query_params, user_id))))


_recommendations_drf = RecommendationViewSet.as_view({"get": "retrieve"})


@csrf_exempt  # as DRF's views are: a write to this URL gets DRF's 405, not a CSRF 403
def recommendations_detail(request, user_id: str):
    """``GET /recommendations/{user_id}``: the fast path (recommendations/api/fastpath.py) when it can
    answer, else the DRF view. Routed ahead of the router's identical pattern (see urls.py), which
    stays for the OpenAPI schema and ``reverse("recommendation-detail")``."""
    return fast_response(request, user_id, _recommendations_drf)


# -- item lists, routed under the catalog's URLs: /items/{item_id}/similar and /items/popular -------
_BAD_LIMIT = OpenApiResponse(
    response=BAD_REQUEST, description="limit (or category) is invalid.", examples=examples.LIMIT_ERROR
)
_LIMIT = OpenApiParameter(
    "limit", {**_LIMIT_SCHEMA, "default": DEFAULT_LIST_LIMIT}, OpenApiParameter.QUERY,
    description="How many, 1 to 100 (default 10).",
)


@extend_schema(tags=["items"])
class ItemListViewSet(viewsets.ViewSet):
    """Lists of items around an item or the whole catalog; the catalog's own endpoints are catalog.api."""

    lookup_url_kwarg = "item_id"
    lookup_value_regex = r"\d+"
    public_reads = True  # open to anyone with API_PUBLIC_READS (recengine/permissions.py)

    @extend_schema(
        summary="Items similar to this one",
        description="Best first, inactive items never. From the active model's item similarity (reason "
        "`similar`), then items of the same category sharing the most tags (`content`), then the category's "
        "popular items (`popular`), each filling the places the one before left. 404 for an unknown item.",
        parameters=[_LIMIT],
        responses={200: SimilarItemsSerializer, 400: _BAD_LIMIT},
        examples=examples.SIMILAR,
    )
    @action(detail=True, methods=["get"], url_path="similar")
    def similar(self, request: Request, item_id: str) -> Response:
        query = SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = similar_items_for(item_id=int(item_id), limit=query.validated_data["limit"])
        except Item.DoesNotExist:
            raise NotFound(f"No item with id {item_id}.") from None
        return Response(SimilarItemsSerializer(result).data)

    @extend_schema(
        summary="The most popular items",
        description="Active items by popularity_score (highest first, then id), optionally of some categories.",
        parameters=[
            _LIMIT,
            OpenApiParameter(
                "category", _CATEGORIES, OpenApiParameter.QUERY,
                description="Only items of this category; repeat for several (at most 50).",
            ),
        ],
        responses={200: PopularItemsSerializer, 400: _BAD_LIMIT},
        examples=examples.POPULAR,
    )
    @action(detail=False, methods=["get"], url_path="popular")
    def popular(self, request: Request) -> Response:
        params = {"category": request.query_params.getlist("category")}
        if "limit" in request.query_params:
            params["limit"] = request.query_params["limit"]
        query = PopularQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        items = popular_items(categories=query.validated_data["category"], limit=query.validated_data["limit"])
        return Response(PopularItemsSerializer({"items": items}).data)
