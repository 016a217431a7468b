"""The OpenAPI schema generates cleanly and documents every endpoint."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

EXPECTED_OPERATIONS = {
    ("/users", "get"), ("/users", "post"),
    ("/users/{user_id}", "get"), ("/users/{user_id}", "put"), ("/users/{user_id}", "patch"),
    ("/users/{user_id}", "delete"),
    ("/items", "get"), ("/items", "post"),
    ("/items/{item_id}", "get"), ("/items/{item_id}", "put"), ("/items/{item_id}", "patch"),
    ("/items/{item_id}", "delete"), ("/items/by-code/{item_code}", "put"),
    ("/items/{item_id}/similar", "get"), ("/items/popular", "get"),
    ("/interactions", "get"), ("/interactions", "post"), ("/interactions/batch", "post"),
    ("/recommendations/{user_id}", "get"),
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_it_generates_a_valid_schema_without_warnings(tmp_path):
    # --fail-on-warn turns every drf-spectacular warning or error into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_it_documents_every_endpoint_without_trailing_slashes(schema):
    assert {(path, method) for path, method, _ in operations(schema)} == EXPECTED_OPERATIONS


def test_it_gives_every_operation_with_a_body_an_example(schema):
    for path, method, operation in operations(schema):
        if method == "delete":
            continue
        bodies = [operation.get("requestBody", {})] + list(operation["responses"].values())
        examples = [media for body in bodies for media in body.get("content", {}).values() if "examples" in media]
        assert examples, f"{method.upper()} {path} has no example"


def test_it_documents_the_query_parameters(schema):
    def names(path):
        return {param["name"] for param in schema["paths"][path]["get"].get("parameters", [])}

    assert {"category", "tag", "min_price", "max_price", "is_active", "search", "page"} <= names("/items")
    assert {"user_id", "item_id", "interaction_type", "since", "until", "cursor"} <= names("/interactions")
    assert {"user_id", "limit"} <= names("/recommendations/{user_id}")
    assert names("/items/{item_id}/similar") == {"item_id", "limit"}
    assert names("/items/popular") == {"category", "limit"}
