"""recengine.parsers.StrictJSONParser: lone surrogates are a 400, not a 500 at the database."""
from __future__ import annotations

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ['"\\udaf1x"', '"x\\udda6"', '"\\uDAF1"'])
def test_an_unpaired_surrogate_is_a_400_and_nothing_is_stored(api, text):
    body = '{"username": "s-user", "preferences": {"note": ' + text + '}}'

    response = api.post("/users", body, content_type="application/json")

    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]
    assert not User.objects.filter(username="s-user").exists()


def test_a_proper_surrogate_pair_is_a_character(api):
    body = '{"username": "pair-user", "preferences": {"note": "\\ud83d\\ude00"}}'

    response = api.post("/users", body, content_type="application/json")

    assert response.status_code == 201, response.json()
    assert User.objects.get(username="pair-user").preferences == {"note": "\U0001F600"}
