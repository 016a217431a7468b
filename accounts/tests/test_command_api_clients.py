"""create_api_client and revoke_token: the token rotation of docs/operations.md."""
from __future__ import annotations

import pytest
from django.core.management import CommandError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from recengine.testing.commands import run_command as run

pytestmark = pytest.mark.django_db


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_create_api_client_makes_a_user_that_cannot_log_in_and_a_working_token():
    output = run("create_api_client", "shop-backend-2")

    user = User.objects.get(username="shop-backend-2")
    key = Token.objects.get(user=user).key
    assert output.splitlines()[:2] == [f"Created API client shop-backend-2 (user id {user.pk}).", f"Token: {key}"]
    assert not user.has_usable_password() and not user.is_staff and not user.is_superuser
    api = client_with(key)
    assert api.get("/recommendations/1?limit=3").status_code == 200
    assert api.get("/interactions").status_code == 403  # the listing is staff only


def test_create_api_client_staff_may_list_interactions():
    output = run("create_api_client", "ops-reader", "--staff")

    user = User.objects.get(username="ops-reader")
    assert user.is_staff and ", staff)" in output.splitlines()[0]
    assert client_with(user.auth_token.key).get("/interactions").status_code == 200


def test_create_api_client_refuses_an_existing_name():
    User.objects.create(username="shop-backend")

    with pytest.raises(CommandError, match="A user 'shop-backend' exists already; .*drf_create_token shop-backend"):
        run("create_api_client", "shop-backend")
    assert not Token.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "bad name!"])
def test_create_api_client_refuses_a_bad_name(name):
    with pytest.raises(CommandError, match="USERNAME"):
        run("create_api_client", name)
    assert not User.objects.exists()


def test_rotation_new_client_first_then_the_old_token_is_revoked():
    run("create_api_client", "shop-backend")
    old_key = Token.objects.get(user__username="shop-backend").key
    old = client_with(old_key)
    assert old.get("/recommendations/1").status_code == 200  # remembered by this process now

    run("create_api_client", "shop-backend-2")
    output = run("revoke_token", "shop-backend")

    assert output.startswith("Revoked the API token of shop-backend.")
    assert "AUTH_TOKEN_CACHE_SECONDS" in output
    assert old.get("/recommendations/1").status_code == 401
    new_key = Token.objects.get(user__username="shop-backend-2").key
    assert client_with(new_key).get("/recommendations/1").status_code == 200


def test_revoke_token_refuses_an_unknown_user_or_one_without_a_token():
    User.objects.create(username="no-token")

    with pytest.raises(CommandError, match="There is no user 'nobody'."):
        run("revoke_token", "nobody")
    with pytest.raises(CommandError, match="User 'no-token' has no API token; nothing to revoke."):
        run("revoke_token", "no-token")
