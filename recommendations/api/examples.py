"""OpenAPI examples of the interactions and recommendations endpoints."""
from drf_spectacular.utils import OpenApiExample

EVENT = {
    "user_id": 42,
    "item_id": 7,
    "interaction_type": "purchase",
    "interaction_value": 3.0,
    "timestamp": "2024-05-01T12:00:00Z",
    "metadata": {"source": "web"},
    "event_id": "order-9912-line-1",
    "recomm_id": "rec-2024-05-01-42",
}
STORED = {"id": 1001, **EVENT}

INTERACTION_REQUEST = [
    OpenApiExample("A purchase", value=EVENT, request_only=True),
    OpenApiExample(
        "A view with defaults",
        value={"user_id": 42, "item_id": 7, "interaction_type": "view"},
        request_only=True,
        description="interaction_value defaults to the type's weight, timestamp to now.",
    ),
]
INTERACTION_RESPONSE = [OpenApiExample("Stored", value=STORED, response_only=True, status_codes=["200", "201"])]
INTERACTION_ERROR = [
    OpenApiExample(
        "Unknown item and type",
        value={
            "item_id": ["No item with id 7."],
            "interaction_type": ["'buy' is not a valid interaction type; allowed: view, click, like, purchase."],
        },
        response_only=True,
        status_codes=["400"],
    )
]
BATCH_REQUEST = [
    OpenApiExample(
        "Two events",
        value=[EVENT, {"user_id": 43, "item_id": 8, "interaction_type": "view", "event_id": "pv-77"}],
        request_only=True,
    )
]
BATCH_RESPONSE = [
    OpenApiExample("Stored", value={"created": 2, "duplicates": 0}, response_only=True, status_codes=["201"]),
    OpenApiExample(
        "One bad row, nothing stored",
        value={"errors": [{"index": 1, "errors": {"item_id": ["No item with id 8."]}}]},
        response_only=True,
        status_codes=["400"],
    ),
]
# Spectacular wraps this in a page of results.
INTERACTION_PAGE = [OpenApiExample("A page", value=STORED, response_only=True, status_codes=["200"])]
RECOMMENDATIONS = [
    OpenApiExample(
        "Personalized list",
        value={
            "user_id": 42,
            "recommendations": [
                {"item_id": 7, "item_code": "SKU-7", "name": "Dune", "category": "books", "score": 1.42,
                 "reason": "similar_to:SKU-12"},
                {"item_id": 9, "item_code": "SKU-9", "name": "Hyperion", "category": "books", "score": 1.10,
                 "reason": "personalized"},
                {"item_id": 3, "item_code": "SKU-3", "name": "Emma", "category": "books", "score": 0.71,
                 "reason": "popular"},
            ],
            "cached": False,
            "timestamp": "2024-05-01T12:00:00.123456Z",
            "model_version": 5,
            "recomm_id": "9f1c2d3e4b5a69788796a5b4c3d2e1f0",
        },
        response_only=True,
        status_codes=["200"],
    )
]
RECOMMENDATIONS_ERROR = [
    OpenApiExample(
        "Limit out of range",
        value={"limit": ["Ensure this value is less than or equal to 100."]},
        response_only=True,
        status_codes=["400"],
    )
]

# -- item lists ---------------------------------------------------------------------------------
SIMILAR = [
    OpenApiExample(
        "Items like Dune",
        value={
            "item_id": 7,
            "similar": [
                {"item_id": 12, "item_code": "SKU-12", "name": "Foundation", "category": "books",
                 "score": 0.41, "reason": "similar"},
                {"item_id": 31, "item_code": "SKU-31", "name": "Hyperion", "category": "books",
                 "score": 0.5, "reason": "content"},
                {"item_id": 3, "item_code": "SKU-3", "name": "Emma", "category": "books",
                 "score": 0.88, "reason": "popular"},
            ],
            "model_version": 4,
        },
        response_only=True,
        status_codes=["200"],
    )
]
POPULAR = [
    OpenApiExample(
        "The most popular books",
        value={
            "items": [
                {"item_id": 7, "item_code": "SKU-7", "name": "Dune", "category": "books",
                 "score": 1.0, "reason": "popular"},
                {"item_id": 3, "item_code": "SKU-3", "name": "Emma", "category": "books",
                 "score": 0.88, "reason": "popular"},
            ]
        },
        response_only=True,
        status_codes=["200"],
    )
]
LIMIT_ERROR = [
    OpenApiExample(
        "Limit out of range",
        value={"limit": ["Ensure this value is less than or equal to 100."]},
        response_only=True,
        status_codes=["400"],
    )
]
