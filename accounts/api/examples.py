"""OpenAPI examples of the users endpoints."""
from drf_spectacular.utils import OpenApiExample

USER = {
    "id": 42,
    "username": "shopper-42",
    "email": "shopper42@example.com",
    "age": 34,
    "gender": "F",
    "location": "Lyon",
    "preferences": {"categories": ["books", "music"]},
    "created_at": "2024-05-01T12:00:00Z",
    "updated_at": "2024-05-02T08:30:00Z",
}
SUMMARY = {
    "total": 5,
    "by_type": {"view": 3, "click": 1, "like": 0, "purchase": 1},
    "last_interaction_at": "2024-05-02T08:29:41Z",
}

CREATE_REQUEST = [
    OpenApiExample(
        "With the shop's own id",
        value={"id": 42, "username": "shopper-42", "email": "shopper42@example.com", "age": 34, "gender": "F"},
        request_only=True,
    ),
    OpenApiExample("Id assigned by the service", value={"username": "shopper-43"}, request_only=True),
]
USER_RESPONSE = [OpenApiExample("A user", value=USER, response_only=True, status_codes=["200", "201"])]
# Spectacular wraps a list example in a page of results.
USER_LIST_ITEM = OpenApiExample("A page of users", value=USER, response_only=True, status_codes=["200"])
DETAIL_RESPONSE = [
    OpenApiExample("A user with their summary", value={**USER, "interaction_summary": SUMMARY}, response_only=True)
]
UPDATE_REQUEST = [OpenApiExample("Move", value={"location": "Paris"}, request_only=True)]
USER_ERROR = [
    OpenApiExample(
        "Username taken",
        value={"username": ["A user with that username already exists."]},
        response_only=True,
        status_codes=["400"],
    )
]
