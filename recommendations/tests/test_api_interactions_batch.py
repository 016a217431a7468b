from __future__ import annotations

import pytest

from recommendations.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(user_factory):
    return user_factory.create_batch(3)


@pytest.fixture
def items(item_factory):
    return item_factory.create_batch(3)


def event(user, item, kind="view", **extra):
    return {"user_id": user.pk, "item_id": item.pk, "interaction_type": kind, **extra}


def post(client, payload):
    return client.post("/interactions/batch", payload, format="json")


def test_it_stores_a_batch_and_counts_it(api, users, items, settings):
    payload = [event(users[0], items[0]), event(users[1], items[1], "purchase", interaction_value=7)]

    response = post(api, payload)

    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 2, "duplicates": 0}
    values = dict(Interaction.objects.values_list("interaction_type", "interaction_value"))
    assert values == {"view": settings.INTERACTION_WEIGHTS["view"], "purchase": 7.0}


def test_it_stores_every_field_and_fills_defaults(api, users, items, settings):
    full = event(users[0], items[0], "like", interaction_value=0.5, timestamp="2024-05-01T14:00:00+02:00",
                 metadata={"page": {"n": 2}, "big": 2**70}, event_id="e-1", recomm_id="r-1")

    assert post(api, [full, event(users[1], items[1])]).status_code == 201

    stored = Interaction.objects.get(event_id="e-1")
    assert (stored.user_id, stored.item_id, stored.interaction_type) == (users[0].pk, items[0].pk, "like")
    assert (stored.interaction_value, stored.recomm_id) == (0.5, "r-1")
    assert stored.metadata == {"page": {"n": 2}, "big": 2**70}
    assert stored.timestamp.isoformat() == "2024-05-01T12:00:00+00:00"
    plain = Interaction.objects.get(user=users[1])
    assert (plain.event_id, plain.recomm_id, plain.metadata) == (None, "", {})
    assert plain.timestamp > stored.timestamp


def test_it_writes_nothing_when_one_row_is_bad_and_reports_its_index(api, users, items):
    payload = [event(users[0], items[0]) for _ in range(3)] + [{**event(users[0], items[0]), "item_id": 999999}]

    response = post(api, payload)

    assert response.status_code == 400
    assert response.json() == {"errors": [{"index": 3, "errors": {"item_id": ["No item with id 999999."]}}]}
    assert not Interaction.objects.exists()


def test_it_reports_every_bad_row_in_index_order(api, users, items):
    payload = [
        event(users[0], items[0], "buy"),
        event(users[0], items[0]),
        {**event(users[0], items[0]), "user_id": 999999, "interaction_value": -1},
        "not an object",
        {"item_id": items[0].pk},
    ]

    errors = post(api, payload).json()["errors"]

    assert [row["index"] for row in errors] == [0, 2, 3, 4]
    assert set(errors[0]["errors"]) == {"interaction_type"}
    assert set(errors[1]["errors"]) == {"interaction_value"}
    assert set(errors[2]["errors"]) == {"non_field_errors"}
    assert set(errors[3]["errors"]) == {"user_id", "interaction_type"}


def test_it_names_unknown_users_and_items_of_well_formed_rows(api, users, items):
    payload = [{**event(users[0], items[0]), "user_id": 424242, "item_id": 434343}]

    errors = post(api, payload).json()["errors"]

    assert errors == [
        {"index": 0, "errors": {"user_id": ["No user with id 424242."], "item_id": ["No item with id 434343."]}}
    ]


def test_it_skips_event_ids_repeated_in_the_batch_or_already_stored(api, users, items):
    Interaction.objects.create(user=users[0], item=items[0], interaction_type="view", event_id="old")
    payload = [
        event(users[0], items[0], event_id="old"),
        event(users[1], items[1], event_id="new"),
        event(users[1], items[1], event_id="new"),
        event(users[2], items[2]),
    ]

    response = post(api, payload)

    assert response.status_code == 201
    assert response.json() == {"created": 2, "duplicates": 2}
    assert Interaction.objects.count() == 3


def test_it_stores_a_retried_batch_once(api, users, items):
    payload = [event(users[0], items[n], event_id=f"e-{n}") for n in range(3)]

    first, second = post(api, payload), post(api, payload)

    assert first.json() == {"created": 3, "duplicates": 0}
    assert (second.status_code, second.json()) == (201, {"created": 0, "duplicates": 3})
    assert Interaction.objects.count() == 3


@pytest.mark.parametrize("payload", [{"user_id": 1}, "text", 42])
def test_it_refuses_a_body_that_is_not_a_list(api, payload):
    response = post(api, payload)

    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_it_refuses_more_events_than_the_limit(api, users, items, settings):
    settings.MAX_BATCH_INTERACTIONS = 2

    response = post(api, [event(users[0], items[0])] * 3)

    assert response.status_code == 400
    assert "at most 2" in response.json()["non_field_errors"][0]
    assert not Interaction.objects.exists()


def test_it_accepts_an_empty_batch(api):
    assert post(api, []).json() == {"created": 0, "duplicates": 0}


def test_it_refuses_malformed_json(api):
    response = api.post("/interactions/batch", "[{", content_type="application/json")

    assert response.status_code == 400 and "detail" in response.json()


def test_it_needs_a_token(anon):
    assert post(anon, []).status_code == 401


BAD_FIELDS = [
    ("interaction_type", "buy"),
    ("interaction_type", 3),
    ("interaction_value", -0.5),
    ("interaction_value", "lots"),
    ("interaction_value", True),
    ("user_id", "abc"),
    ("user_id", True),
    ("item_id", 1.5),
    ("user_id", 0),
    ("user_id", 2**63),
    ("item_id", 999999),
    ("timestamp", "yesterday"),
    ("timestamp", "2024-13-45T00:00:00Z"),
    ("metadata", [1]),
    ("metadata", {"note": "nul\x00"}),
    ("event_id", "nul\x00"),
    ("event_id", "x" * 129),
    ("recomm_id", "x" * 65),
]


@pytest.mark.parametrize("field, value", BAD_FIELDS)
def test_it_refuses_in_a_batch_what_the_single_endpoint_refuses(api, users, items, field, value):
    row = {**event(users[0], items[0]), field: value}

    single = api.post("/interactions", row, format="json")
    batch = post(api, [row])

    assert single.status_code == batch.status_code == 400
    assert field in single.json()
    assert batch.json()["errors"][0]["errors"].keys() == {field}


def test_it_stores_ten_thousand_events_with_a_handful_of_queries(api, user_factory, item_factory,
                                                                 django_assert_max_num_queries):
    users, items = user_factory.create_batch(50), item_factory.create_batch(50)
    payload = [
        event(users[n % 50], items[n * 7 % 50], event_id=f"bulk-{n}", timestamp="2024-05-01T12:00:00Z")
        for n in range(10_000)
    ]

    # users, items, stored event ids, savepoint/transaction and one INSERT per 2,000 rows; never per row
    with django_assert_max_num_queries(15):
        response = post(api, payload)

    assert response.json() == {"created": 10_000, "duplicates": 0}
    assert Interaction.objects.count() == 10_000


def test_it_survives_a_rival_storing_the_same_event_id_between_check_and_insert(api, users, items, monkeypatch):
    """The stored-id check misses a row a concurrent request commits just after; COPY then hits the
    unique index, and the batch falls back to an insert that skips conflicts."""
    from recommendations.events import store as services

    real = services.stored_event_ids
    calls = []

    def stale_then_real(*, event_ids):
        calls.append(1)
        return set() if len(calls) == 1 else real(event_ids=event_ids)

    Interaction.objects.create(user=users[0], item=items[0], interaction_type="view", event_id="rival")
    monkeypatch.setattr(services, "stored_event_ids", stale_then_real)

    response = post(api, [event(users[0], items[0], event_id="rival"), event(users[1], items[1], event_id="mine")])

    assert response.json() == {"created": 1, "duplicates": 1}
    assert sorted(Interaction.objects.values_list("event_id", flat=True)) == ["mine", "rival"]
