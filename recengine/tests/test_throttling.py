"""Rate limits per caller (recengine/throttling.py), counted in the real Redis test database."""
from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_redis import get_redis_connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recengine.rates import parse_rate
from recommendations.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rate, parsed", [("", None), ("100/min", (100, 60)), ("5/s", (5, 1)), ("7/hour", (7, 3600)),
                                          (" 1000/day ", (1000, 86400))])
def test_rates_parse(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["10", "ten/min", "10/fortnight", "0/s", "-1/s"])
def test_a_bad_rate_is_refused_with_the_spelling_it_wants(rate):
    with pytest.raises(ImproperlyConfigured, match="rate limit"):
        parse_rate(rate)


def test_the_settings_refuse_a_bad_rate_at_start_up():
    from recengine.tests.test_settings import _run_settings

    result = _run_settings({"DJANGO_DEBUG": "true", "API_RATE_LIMIT": "10/fortnight"})
    assert result.returncode != 0 and "10/fortnight" in result.stderr


def test_a_caller_over_the_limit_gets_429_with_retry_after_and_nothing_is_stored(api, user_factory, item_factory,
                                                                                  settings):
    settings.API_RATE_LIMIT = "2/min"
    user, item = user_factory(), item_factory()
    payload = {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view"}

    assert [api.post("/interactions", payload, format="json").status_code for _ in range(2)] == [201, 201]
    over = api.post("/interactions", payload, format="json")

    assert over.status_code == 429
    assert 1 <= int(over["Retry-After"]) <= 60
    assert over.json()["detail"].startswith("Request was throttled")
    assert Interaction.objects.count() == 2


def test_each_caller_has_its_own_count_and_keys_never_hold_a_token(api, api_user, user_factory, settings):
    settings.API_RATE_LIMIT = "1/min"
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user_factory()).key}")

    assert api.get("/items/popular").status_code == 200
    assert api.get("/items/popular").status_code == 429
    assert other.get("/items/popular").status_code == 200  # not throttled by the first caller's count

    keys = [key.decode() for key in get_redis_connection("default").scan_iter("recengine:rate:*")]
    assert keys and any(f"user:{api_user.pk}:" in key for key in keys)
    assert not any(token.key in key for token in Token.objects.all() for key in keys)


def test_anonymous_public_reads_are_limited_per_address(anon, settings):
    settings.API_PUBLIC_READS = True
    settings.API_ANON_RATE_LIMIT = "2/min"

    codes = [anon.get("/items/popular", REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert anon.get("/items/popular", REMOTE_ADDR="10.0.0.2").status_code == 200
    # A forged X-Forwarded-For does not make a new caller (NUM_PROXIES is 0).
    assert anon.get("/items/popular", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4").status_code == 429


def test_without_a_limit_nothing_is_counted(api, settings):
    settings.API_RATE_LIMIT = ""
    for _ in range(5):
        assert api.get("/items/popular").status_code == 200
    assert not list(get_redis_connection("default").scan_iter("recengine:rate:user:*"))
