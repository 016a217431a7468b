from __future__ import annotations

from datetime import datetime, timezone

import pytest

from recommendations.models import Interaction

pytestmark = pytest.mark.django_db


def day(n: int) -> datetime:
    return datetime(2024, 5, n, tzinfo=timezone.utc)


@pytest.fixture
def history(user_factory, item_factory):
    ann, bob = user_factory(username="ann"), user_factory(username="bob")
    book, song = item_factory(), item_factory()
    rows = [(ann, book, "view", 1), (ann, song, "purchase", 2), (bob, book, "view", 3), (bob, song, "like", 4)]
    for user, item, kind, n in rows:
        Interaction.objects.create(user=user, item=item, interaction_type=kind, timestamp=day(n))
    return {"ann": ann, "bob": bob, "book": book, "song": song}


def timestamps(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["timestamp"][:10] for row in response.json()["results"]]


def test_it_lists_interactions_newest_first_for_staff(staff_api, history):
    assert timestamps(staff_api.get("/interactions")) == ["2024-05-04", "2024-05-03", "2024-05-02", "2024-05-01"]


def test_it_filters_by_user_item_type_and_time(staff_api, history):
    ann, book = history["ann"].pk, history["book"].pk

    assert timestamps(staff_api.get("/interactions", {"user_id": ann})) == ["2024-05-02", "2024-05-01"]
    assert timestamps(staff_api.get("/interactions", {"item_id": book})) == ["2024-05-03", "2024-05-01"]
    assert timestamps(staff_api.get("/interactions", {"interaction_type": "view"})) == ["2024-05-03", "2024-05-01"]
    window = {"since": "2024-05-02T00:00:00Z", "until": "2024-05-04T00:00:00Z"}
    assert timestamps(staff_api.get("/interactions", window)) == ["2024-05-03", "2024-05-02"]


def test_it_pages_with_a_cursor(staff_api, history):
    first = staff_api.get("/interactions", {"page_size": 3}).json()
    second = staff_api.get(first["next"]).json()

    assert len(first["results"]) == 3 and len(second["results"]) == 1
    assert second["next"] is None


def test_it_refuses_bad_filter_values_naming_them(staff_api):
    response = staff_api.get("/interactions", {"user_id": "ann", "since": "soon"})

    assert response.status_code == 400
    assert {"user_id", "since"} <= set(response.json())


def test_it_refuses_the_list_to_non_staff(api, history):
    assert api.get("/interactions").status_code == 403


def test_it_refuses_the_list_without_a_token(anon):
    assert anon.get("/interactions").status_code == 401


@pytest.mark.parametrize("params, field", [
    ({"user_id": str(2**64)}, "user_id"),
    ({"item_id": "0"}, "item_id"),
    ({"until": "0001-01-01T01:00:00+05:00"}, "until"),
])
def test_filters_out_of_range_are_a_400_naming_them(staff_api, params, field):
    response = staff_api.get("/interactions", params)

    assert response.status_code == 400 and field in response.json()


def test_a_filter_time_with_a_far_offset_is_read_in_utc(staff_api):
    assert staff_api.get("/interactions", {"until": "1233-07-30T04:51:24.89+19:00"}).status_code == 200
