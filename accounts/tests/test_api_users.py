from __future__ import annotations

from datetime import datetime, timezone

import pytest

from accounts.models import User
from recommendations.models import Interaction

pytestmark = pytest.mark.django_db


def test_it_creates_a_user_with_an_unusable_password(api):
    response = api.post("/users", {"username": "ann", "email": "ann@example.com", "age": 30}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["username"] == "ann" and body["age"] == 30
    assert set(body) == {
        "id", "username", "email", "age", "gender", "location", "preferences", "created_at", "updated_at"
    }
    assert not User.objects.get(pk=body["id"]).has_usable_password()


def test_it_keeps_a_client_chosen_id_and_later_ids_do_not_collide(api):
    assert api.post("/users", {"id": 5000, "username": "shop-5000"}, format="json").status_code == 201

    response = api.post("/users", {"username": "auto"}, format="json")

    assert response.status_code == 201, response.json()
    assert User.objects.filter(pk=5000, username="shop-5000").exists()
    assert response.json()["id"] > 5000


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"username": "taken"}, "username"),
        ({"username": "new", "email": "taken@example.com"}, "email"),
        ({"username": "new", "id": "existing"}, "id"),
        ({"username": "new", "age": 151}, "age"),
        ({"username": "new", "gender": "X"}, "gender"),
        ({"username": "new", "preferences": [1, 2]}, "preferences"),
        ({"username": "new", "preferences": {"x": "nul\x00"}}, "preferences"),
        ({"username": "new", "location": "nul\x00"}, "location"),
        ({"username": "new", "id": 0}, "id"),
        ({}, "username"),
    ],
)
def test_it_refuses_a_bad_user_naming_the_field(api, user_factory, payload, field):
    existing = user_factory(username="taken", email="taken@example.com")
    if payload.get("id") == "existing":
        payload = {**payload, "id": existing.pk}

    response = api.post("/users", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_it_stores_blank_emails_as_null_so_they_never_collide(api):
    for name in ("a", "b"):
        assert api.post("/users", {"username": name, "email": ""}, format="json").status_code == 201

    assert list(User.objects.filter(username__in=["a", "b"]).values_list("email", flat=True)) == [None, None]


def test_it_returns_a_user_with_an_interaction_summary(api, user_factory, item_factory):
    user, item = user_factory(), item_factory()
    last = datetime(2024, 5, 2, 8, 0, tzinfo=timezone.utc)
    for kind, when in [("view", datetime(2024, 5, 1, tzinfo=timezone.utc)), ("view", last), ("purchase", last)]:
        Interaction.objects.create(user=user, item=item, interaction_type=kind, timestamp=when)

    body = api.get(f"/users/{user.pk}").json()

    assert body["interaction_summary"] == {
        "total": 3,
        "by_type": {"view": 2, "click": 0, "like": 0, "purchase": 1},
        "last_interaction_at": "2024-05-02T08:00:00Z",
    }


def test_it_summarises_a_user_without_interactions(api, user_factory):
    user = user_factory()

    summary = api.get(f"/users/{user.pk}").json()["interaction_summary"]

    assert summary["total"] == 0 and summary["last_interaction_at"] is None


def test_it_lists_and_searches_end_users_only(api, user_factory, staff_user):
    user_factory(username="alice")
    user_factory(username="bob")

    everyone = api.get("/users").json()
    found = api.get("/users", {"search": "ali"}).json()

    assert {user["username"] for user in everyone["results"]} == {"alice", "bob"}
    assert [user["username"] for user in found["results"]] == ["alice"]


def test_it_hides_staff_and_api_client_accounts(api, staff_user, api_user):
    assert api.get(f"/users/{staff_user.pk}").status_code == 404
    assert api.delete(f"/users/{api_user.pk}").status_code == 404


def test_it_updates_a_user_with_put_and_patch(api, user_factory):
    user = user_factory(username="carol")

    put = api.put(f"/users/{user.pk}", {"username": "carol", "location": "Lyon", "age": 40}, format="json")
    patch = api.patch(f"/users/{user.pk}", {"location": "Paris"}, format="json")

    assert put.status_code == 200 and patch.status_code == 200
    user.refresh_from_db()
    assert (user.location, user.age) == ("Paris", 40)


def test_it_refuses_renaming_a_user_to_a_taken_username(api, user_factory):
    user_factory(username="taken")
    user = user_factory(username="free")

    response = api.patch(f"/users/{user.pk}", {"username": "taken"}, format="json")

    assert response.status_code == 400 and "username" in response.json()


def test_it_deletes_a_user_and_their_interactions(api, user_factory, item_factory):
    user = user_factory()
    Interaction.objects.create(user=user, item=item_factory(), interaction_type="view")

    assert api.delete(f"/users/{user.pk}").status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Interaction.objects.filter(user_id=user.pk).exists()


def test_it_answers_404_for_an_unknown_user(api):
    assert api.get("/users/999999").status_code == 404


def test_it_needs_a_token(anon):
    assert anon.get("/users").status_code == 401


def test_it_refuses_malformed_json(api):
    response = api.post("/users", "{not json", content_type="application/json")

    assert response.status_code == 400 and "detail" in response.json()


@pytest.mark.parametrize("field", ["username", "email", "id"])
def test_it_names_the_field_when_a_unique_race_is_lost(user_factory, field):
    """Two requests can both pass the serializer's unique check; the database still names the field."""
    from django.core.exceptions import ValidationError

    from accounts.services import user_create

    existing = user_factory(username="first", email="first@example.com")
    clash = {"username": "first", "email": "first@example.com", "id": existing.pk}[field]
    fields = {"username": "second", "email": "second@example.com", "user_id": None}
    fields["user_id" if field == "id" else field] = clash

    with pytest.raises(ValidationError) as error:
        user_create(**fields)

    assert field in error.value.message_dict


def test_a_client_id_near_the_64_bit_maximum_does_not_use_up_the_id_sequence(api):
    assert api.post("/users", {"id": 2**63 - 1, "username": "shop-max"}, format="json").status_code == 201

    later = api.post("/users", {"username": "no-id-given"}, format="json")

    assert later.status_code == 201, later.json()
    assert later.json()["id"] < 2**62  # the sequence was left alone
