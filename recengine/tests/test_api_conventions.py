"""The API's conventions (README "API"): one error shape, one trailing-slash rule, Bearer and Token."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recengine.api import REQUEST_LINE_LIMIT
from recengine.auth import forget_tokens
from recommendations.api import views as recommendation_views
from recommendations.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(api_user) -> str:
    return Token.objects.get_or_create(user=api_user)[0].key


def _client(scheme: str, key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client


# -- one error shape -----------------------------------------------------------------------------
def test_unknown_objects_and_routes_answer_the_same_error_object(api, item_factory):
    item = item_factory()
    answers = {
        "/items/999999": "No item with id 999999.",
        "/users/999999": "No user with id 999999.",
        "/items/999999/similar": "No item with id 999999.",
        "/no-such-route": "Not found.",
    }
    for path, detail in answers.items():
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": detail, "code": "not_found"}, path
    assert api.get(f"/items/{item.pk}/similar").status_code == 200


@pytest.mark.parametrize("path", ["/items", "/users"])
def test_a_nul_in_search_is_a_400_naming_search(api, path):
    response = api.get(path, {"search": "a\x00b"})

    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}


def test_non_field_errors_have_detail_and_code(anon, api):
    unauthenticated = anon.get("/users")
    wrong_method = api.put("/interactions", {}, format="json")
    not_json = api.generic("POST", "/interactions", "{", content_type="application/json")
    wrong_type = api.generic("POST", "/interactions", "a=1", content_type="application/x-www-form-urlencoded")

    assert unauthenticated.status_code == 401 and unauthenticated.json()["code"] == "not_authenticated"
    assert wrong_method.json() == {"detail": 'Method "PUT" not allowed.', "code": "method_not_allowed"}
    assert not_json.status_code == 400 and not_json.json()["code"] == "parse_error"
    assert wrong_type.status_code == 415 and wrong_type.json()["code"] == "unsupported_media_type"


def test_an_empty_django_error_becomes_the_error_object(client):
    response = client.delete("/metrics")  # a GET-only Django view: Django's 405 has no body

    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed.", "code": "method_not_allowed"}
    assert "GET" in response["Allow"]


# -- trailing slashes ----------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "canonical"), [
    ("/recommendations/1/?limit=2", "/recommendations/1?limit=2"),
    ("/items/", "/items"),
    ("/docs/", "/docs"),
    ("/redoc/", "/redoc"),
    ("/healthz/", "/healthz"),
    ("/api/schema", "/api/schema/"),
])
def test_a_get_of_the_other_form_redirects_to_the_canonical_one(api, path, canonical):
    response = api.get(path)

    assert response.status_code == 301
    assert response["Location"] == canonical
    assert api.get(canonical).status_code == 200


def test_a_post_to_the_other_form_is_answered_as_the_canonical_one(api, user_factory, item_factory):
    user, item = user_factory(), item_factory()

    response = api.post("/interactions/", {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view"},
                        format="json")

    assert response.status_code == 201
    assert Interaction.objects.filter(user=user, item=item).count() == 1


def test_a_path_no_form_of_which_is_routed_stays_a_404(api):
    assert api.get("/items/abc/").status_code == 404
    assert api.get("/recommendations/").status_code == 404


# -- Bearer and Token ----------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_either_scheme_authenticates_through_drf(key, scheme):
    assert _client(scheme, key).get("/users").status_code == 200


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_either_scheme_gets_the_recommendations_fast_path(key, scheme, settings, monkeypatch):
    settings.AUTH_TOKEN_CACHE_SECONDS = 30
    forget_tokens()
    client = _client(scheme, key)
    assert client.get("/recommendations/1").status_code == 200  # DRF looks the key up, remembers it
    drf_calls = []
    drf_view = recommendation_views._recommendations_drf
    monkeypatch.setattr(recommendation_views, "_recommendations_drf",
                        lambda *args, **kwargs: drf_calls.append(1) or drf_view(*args, **kwargs))

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/recommendations/1")

    assert response.status_code == 200
    assert drf_calls == []  # answered by the fast path, not handed to DRF
    assert not [query for query in queries if "authtoken_token" in query["sql"]]  # remembered: no token query


def test_a_401_names_both_schemes(anon):
    response = anon.get("/users")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api", Token realm="api"'
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_a_bad_key_in_either_scheme_is_a_401(scheme):
    response = _client(scheme, "not-a-key").get("/users")

    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


# -- the schema ----------------------------------------------------------------------------------
@pytest.fixture
def schema(api) -> dict:
    return api.get("/api/schema/?format=json").json()


def test_every_path_id_is_a_positive_int64(schema):
    ids = [(path, parameter["schema"]) for path, methods in schema["paths"].items()
           for operation in methods.values() if isinstance(operation, dict)
           for parameter in operation.get("parameters", ()) if parameter["in"] == "path"
           and parameter["name"] in ("user_id", "item_id")]

    assert len(ids) >= 10
    for path, parameter_schema in ids:
        assert parameter_schema["type"] == "integer" and parameter_schema["format"] == "int64", path
        assert parameter_schema["minimum"] == 1, path


def test_the_schema_documents_both_schemes_the_error_shapes_and_the_414(schema):
    assert {"bearerAuth", "tokenAuth"} <= set(schema["components"]["securitySchemes"])
    assert {"bearerAuth": []} in schema["paths"]["/users"]["post"]["security"]
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "code"]
    responses = schema["paths"]["/items"]["get"]["responses"]
    assert "text/html" in responses["414"]["content"]
    assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BadRequest"}


def test_the_interaction_types_are_an_enum_in_the_listing_filter(schema):
    parameter = next(p for p in schema["paths"]["/interactions"]["get"]["parameters"]
                     if p["name"] == "interaction_type")

    assert sorted(parameter["schema"]["enum"]) == sorted(django_settings.INTERACTION_WEIGHTS)


def test_the_414_limit_documented_is_gunicorns():
    conf = Path(django_settings.BASE_DIR) / "docker" / "gunicorn.conf.py"
    assignments = {target.id: node.value for node in ast.parse(conf.read_text()).body
                   if isinstance(node, ast.Assign) for target in node.targets if isinstance(target, ast.Name)}

    assert ast.literal_eval(assignments["limit_request_line"]) == REQUEST_LINE_LIMIT
