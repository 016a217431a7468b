from __future__ import annotations

from datetime import datetime, timezone

import pytest

from recommendations.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(user_factory):
    return user_factory()


@pytest.fixture
def item(item_factory):
    return item_factory()


def post(client, payload):
    return client.post("/interactions", payload, format="json")


def test_it_stores_an_interaction_and_returns_the_row(api, user, item):
    payload = {
        "user_id": user.pk, "item_id": item.pk, "interaction_type": "like", "interaction_value": 4.5,
        "timestamp": "2024-05-01T12:00:00Z", "metadata": {"source": "app"}, "event_id": "e-1", "recomm_id": "r-1",
    }

    response = post(api, payload)

    assert response.status_code == 201, response.json()
    stored = Interaction.objects.get()
    assert response.json() == {**payload, "id": stored.pk}
    assert stored.timestamp == datetime(2024, 5, 1, 12, tzinfo=timezone.utc)


def test_it_defaults_value_to_the_type_weight_and_time_to_now(api, user, item, settings):
    before = datetime.now(timezone.utc)

    body = post(api, {"user_id": user.pk, "item_id": item.pk, "interaction_type": "purchase"}).json()

    assert body["interaction_value"] == settings.INTERACTION_WEIGHTS["purchase"]
    assert datetime.fromisoformat(body["timestamp"]) >= before
    assert body["metadata"] == {} and body["event_id"] is None and body["recomm_id"] == ""


def test_it_stores_a_retried_event_once_and_answers_200_with_the_stored_row(api, user, item):
    payload = {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view", "event_id": "retry-me"}

    first = post(api, payload)
    second = post(api, {**payload, "interaction_type": "click"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert Interaction.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"interaction_type": "buy"}, "interaction_type"),
        ({"interaction_value": -1}, "interaction_value"),
        ({"interaction_value": "NaN"}, "interaction_value"),
        ({"user_id": 987654}, "user_id"),
        ({"item_id": 987654}, "item_id"),
        ({"user_id": "abc"}, "user_id"),
        ({"user_id": 2**63}, "user_id"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"metadata": [1, 2]}, "metadata"),
        ({"event_id": "x" * 129}, "event_id"),
        ({"recomm_id": "x" * 65}, "recomm_id"),
    ],
)
def test_it_refuses_a_bad_event_naming_the_field(api, user, item, change, field):
    response = post(api, {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view", **change})

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Interaction.objects.exists()


def test_it_lists_the_allowed_types_when_the_type_is_unknown(api, user, item):
    response = post(api, {"user_id": user.pk, "item_id": item.pk, "interaction_type": "buy"})

    message = response.json()["interaction_type"][0]
    assert all(kind in message for kind in ("view", "click", "like", "purchase"))


def test_it_names_every_missing_field(api):
    response = post(api, {})

    assert response.status_code == 400
    assert {"user_id", "item_id", "interaction_type"} <= set(response.json())


def test_it_does_not_create_unknown_users_or_items(api):
    response = post(api, {"user_id": 123456, "item_id": 654321, "interaction_type": "view"})

    assert response.status_code == 400
    assert set(response.json()) == {"user_id", "item_id"}


def test_it_refuses_malformed_json(api):
    response = api.post("/interactions", '{"user_id": 1,', content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_it_refuses_a_form_body(api, user, item):
    response = api.post("/interactions", {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view"})

    assert response.status_code == 415


def test_it_needs_a_token(anon, user, item):
    response = post(anon, {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view"})

    assert response.status_code == 401
    assert not Interaction.objects.exists()


def test_the_direct_response_dict_equals_the_serializer(api, user, item):
    from recommendations.api.serializers import InteractionSerializer

    body = post(api, {"user_id": user.pk, "item_id": item.pk, "interaction_type": "like", "interaction_value": 2,
                      "metadata": {"page": "home"}, "event_id": "e-1", "timestamp": "2024-05-01T12:00:00.123456+02:00"}
                ).json()

    assert body == InteractionSerializer(Interaction.objects.get()).data
    assert body["timestamp"] == "2024-05-01T10:00:00.123456Z"


def test_an_unknown_user_with_a_new_event_id_stores_nothing_and_names_the_user(api, item):
    response = post(api, {"user_id": 424242, "item_id": item.pk, "interaction_type": "view", "event_id": "e-2"})

    assert response.status_code == 400 and set(response.json()) == {"user_id"}
    assert not Interaction.objects.exists()


def test_offsets_postgresql_refuses_are_moved_to_utc_and_impossible_times_refused(api, user, item):
    far = post(api, {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view",
                     "timestamp": "2024-05-01T12:00:00+19:00"})
    assert far.status_code == 201 and far.json()["timestamp"] == "2024-04-30T17:00:00Z"

    before_year_one = post(api, {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view",
                                 "timestamp": "0001-01-01T01:00:00+05:00"})
    assert before_year_one.status_code == 400 and "timestamp" in before_year_one.json()
    assert Interaction.objects.count() == 1
