"""No API token ever reaches a log line, whatever the request does."""
from __future__ import annotations

import logging

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_tokens_never_reach_the_logs(api, api_user, user_factory, item_factory, clusters, train, caplog, settings):
    train("itemknn")
    settings.API_RATE_LIMIT = "4/min"
    good = Token.objects.get(user=api_user).key
    bad = "f" * 40
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Token {bad}")
    reader, item = clusters.readers[0], clusters.items["b1"]

    with caplog.at_level(logging.DEBUG):
        api.get(f"/recommendations/{reader.pk}")
        api.get(f"/recommendations/{reader.pk}", {"limit": "0"})  # 400
        api.post("/interactions", {"user_id": 10**6, "item_id": item.pk, "interaction_type": "view"}, format="json")
        api.get("/interactions")  # 403: staff only
        for _ in range(3):
            api.get("/items/popular")  # the last ones are throttled: 429
        stranger.get(f"/recommendations/{reader.pk}")  # 401: unknown token
        stranger.post("/interactions", {}, format="json")

    assert caplog.records, "nothing was logged: the test would prove nothing"
    logged = "\n".join(f"{record.name} {record.getMessage()} {record.args!r}" for record in caplog.records)
    assert good not in logged and bad not in logged
