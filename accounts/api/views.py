"""Thin views over the end-user services."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import examples
from accounts.api.serializers import (
    UserCreateSerializer,
    UserDetailSerializer,
    UserSerializer,
)
from accounts.selectors import end_users, user_interaction_summary
from accounts.services import user_create, user_delete, user_update
from recengine.api import BAD_REQUEST, NamedNotFoundMixin
from recengine.filters import SearchFilter

_BAD_REQUEST = OpenApiResponse(
    response=BAD_REQUEST, description="Invalid fields, each named.", examples=examples.USER_ERROR
)


@extend_schema(tags=["users"])
@extend_schema_view(
    list=extend_schema(
        summary="List end users",
        description="Search by username or email with ?search=.",
        examples=[examples.USER_LIST_ITEM],
    ),
    retrieve=extend_schema(
        summary="An end user with an interaction summary",
        responses=UserDetailSerializer,
        examples=examples.DETAIL_RESPONSE,
    ),
    create=extend_schema(
        summary="Create an end user",
        description="The user gets an unusable password. `id` is optional.",
        request=UserCreateSerializer,
        responses={201: UserSerializer, 400: _BAD_REQUEST},
        examples=examples.CREATE_REQUEST + examples.USER_RESPONSE,
    ),
    update=extend_schema(
        summary="Replace an end user's fields",
        responses={200: UserSerializer, 400: _BAD_REQUEST},
        examples=examples.USER_RESPONSE,
    ),
    partial_update=extend_schema(
        summary="Change some of an end user's fields",
        responses={200: UserSerializer, 400: _BAD_REQUEST},
        examples=examples.UPDATE_REQUEST + examples.USER_RESPONSE,
    ),
    destroy=extend_schema(summary="Delete an end user and their interactions"),
)
class UserViewSet(NamedNotFoundMixin, viewsets.ModelViewSet):
    """End users: the people recommendations are for. Staff and API clients are not listed here."""

    serializer_class = UserSerializer
    filter_backends = [SearchFilter]
    search_fields = ["username", "email"]
    lookup_url_kwarg = "user_id"
    lookup_value_regex = r"\d+"
    not_found_name = "user"

    def get_queryset(self):
        return end_users()

    def get_serializer_class(self):
        return UserCreateSerializer if self.action == "create" else UserSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        user = self.get_object()
        user.interaction_summary = user_interaction_summary(user_id=user.pk)
        return Response(UserDetailSerializer(user).data)

    def perform_create(self, serializer: UserCreateSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = user_create(user_id=data.pop("id", None), **data)

    def perform_update(self, serializer: UserSerializer) -> None:
        serializer.instance = user_update(user=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance) -> None:
        user_delete(user=instance)
