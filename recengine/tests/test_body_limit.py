"""MAX_REQUEST_BODY_BYTES (recengine/middleware.py): big bodies are refused before they are read."""
from __future__ import annotations

import json

import pytest

from recommendations.models import Interaction

pytestmark = pytest.mark.django_db


def test_a_body_over_the_limit_gets_413_and_stores_nothing(api, user_factory, item_factory, settings):
    settings.MAX_REQUEST_BODY_BYTES = 2_000
    user, item = user_factory(), item_factory()
    events = [{"user_id": user.pk, "item_id": item.pk, "interaction_type": "view"}] * 40
    body = json.dumps(events)
    assert len(body) > 2_000

    response = api.post("/interactions/batch", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large" and "2,000" in response.json()["detail"]
    assert not Interaction.objects.exists()
    assert api.post("/interactions/batch", json.dumps(events[:5]), content_type="application/json").status_code == 201


def test_the_default_limit_takes_a_full_batch(settings):
    one = json.dumps({"user_id": 2**62, "item_id": 2**62, "interaction_type": "purchase", "interaction_value": 1.5,
                      "timestamp": "2024-05-01T12:00:00+00:00", "event_id": "e" * 64, "recomm_id": "r" * 32,
                      "metadata": {"page": "home", "position": 3}})
    assert settings.MAX_BATCH_INTERACTIONS * (len(one) + 2) < settings.MAX_REQUEST_BODY_BYTES


def test_a_bad_content_length_is_a_400(api):
    response = api.generic("POST", "/interactions", "{}", content_type="application/json", CONTENT_LENGTH="lots")

    assert response.status_code == 400 and response.json()["code"] == "bad_content_length"
