"""OpenAPI examples of the items endpoints."""
from drf_spectacular.utils import OpenApiExample

ITEM = {
    "id": 7,
    "item_code": "SKU-7",
    "name": "Dune",
    "category": "books",
    "tags": ["sci-fi", "classic"],
    "price": "9.99",
    "popularity_score": 0.93,
    "metadata": {"author": "Frank Herbert"},
    "is_active": True,
    "created_at": "2024-05-01T12:00:00Z",
    "updated_at": "2024-05-02T08:30:00Z",
}
WRITABLE = {key: ITEM[key] for key in ("item_code", "name", "category", "tags", "price", "metadata", "is_active")}

ITEM_REQUEST = [OpenApiExample("A book", value=WRITABLE, request_only=True)]
ITEM_RESPONSE = [OpenApiExample("An item", value=ITEM, response_only=True, status_codes=["200", "201"])]
# Spectacular wraps a list example in a page of results.
ITEM_LIST_ITEM = OpenApiExample("A page of items", value=ITEM, response_only=True, status_codes=["200"])
DEACTIVATE = [OpenApiExample("Stop recommending it", value={"is_active": False}, request_only=True)]
UPSERT_REQUEST = [
    OpenApiExample(
        "Create or update SKU-7",
        value={key: value for key, value in WRITABLE.items() if key != "item_code"},
        request_only=True,
    )
]
ITEM_ERROR = [
    OpenApiExample(
        "Score out of range",
        value={"popularity_score": ["Ensure this value is less than or equal to 1.0."]},
        response_only=True,
        status_codes=["400"],
    )
]
