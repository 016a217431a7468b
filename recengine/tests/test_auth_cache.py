"""API tokens remembered per process (recengine/auth.py): fewer queries, and revocation still works."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_a_known_token_is_read_from_the_database_once(api):
    api.get("/recommendations/1")
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/recommendations/1")

    assert response.status_code == 200
    assert not [q for q in queries if "authtoken_token" in q["sql"]]


def test_with_the_setting_at_zero_every_request_reads_the_token(api, settings):
    settings.AUTH_TOKEN_CACHE_SECONDS = 0
    api.get("/recommendations/1")
    with CaptureQueriesContext(connection) as queries:
        api.get("/recommendations/1")

    assert [q for q in queries if "authtoken_token" in q["sql"]]


def test_a_deleted_token_is_refused_at_once(api, api_user):
    assert api.get("/recommendations/1").status_code == 200

    Token.objects.filter(user=api_user).delete()

    assert api.get("/recommendations/1").status_code == 401


def test_a_deactivated_user_is_refused_at_once(api, api_user):
    assert api.get("/recommendations/1").status_code == 200

    api_user.is_active = False
    api_user.save()

    response = api.get("/recommendations/1")
    assert response.status_code == 401
    assert "inactive" in response.json()["detail"].lower()


def test_unknown_tokens_are_never_remembered(anon, api_user):
    key = "f" * 40
    anon.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anon.get("/recommendations/1").status_code == 401

    Token.objects.create(user=api_user, key=key)  # now it exists: it works at once

    assert anon.get("/recommendations/1").status_code == 200
