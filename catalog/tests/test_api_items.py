from __future__ import annotations

import pytest

from catalog.models import Item

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["item_code"] for item in response.json()["results"]]


def test_it_creates_an_item(api):
    payload = {"item_code": "SKU-1", "name": "Dune", "category": "books", "tags": ["sci-fi"], "price": "9.99"}

    response = api.post("/items", payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["item_code"] == "SKU-1" and body["tags"] == ["sci-fi"] and body["is_active"] is True
    assert Item.objects.filter(item_code="SKU-1").exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"popularity_score": 1.5}, "popularity_score"),
        ({"popularity_score": -0.1}, "popularity_score"),
        ({"price": "-1.00"}, "price"),
        ({"item_code": "TAKEN"}, "item_code"),
        ({"metadata": "not an object"}, "metadata"),
        ({"metadata": {"note": "nul\x00"}}, "metadata"),
        ({"name": ""}, "name"),
    ],
)
def test_it_refuses_a_bad_item_naming_the_field(api, item_factory, change, field):
    item_factory(item_code="TAKEN")

    response = api.post("/items", {"item_code": "NEW", "name": "New", **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_it_filters_by_category_tag_price_and_active(api, item_factory):
    item_factory(item_code="A", category="books", tags=["sci-fi", "classic"], price="5.00")
    item_factory(item_code="B", category="books", tags=["romance"], price="15.00")
    item_factory(item_code="C", category="music", tags=["classic"], price="25.00", is_active=False)

    assert codes(api.get("/items", {"category": "books"})) == ["A", "B"]
    assert codes(api.get("/items", {"tag": "classic"})) == ["A", "C"]
    assert codes(api.get("/items", {"min_price": "10", "max_price": "20"})) == ["B"]
    assert codes(api.get("/items", {"is_active": "false"})) == ["C"]


def test_it_searches_by_name_or_item_code(api, item_factory):
    item_factory(item_code="BOOK-DUNE", name="Dune")
    item_factory(item_code="BOOK-EMMA", name="Emma")
    item_factory(item_code="CD-1", name="Dune soundtrack")

    assert codes(api.get("/items", {"search": "dune"})) == ["BOOK-DUNE", "CD-1"]
    assert codes(api.get("/items", {"search": "emma"})) == ["BOOK-EMMA"]


def test_it_paginates_items(api, item_factory):
    item_factory.create_batch(3)

    body = api.get("/items", {"page": 1}).json()

    assert body["count"] == 3 and {"next", "previous", "results"} <= set(body)


def test_it_refuses_a_bad_filter_value_naming_it(api):
    response = api.get("/items", {"min_price": "cheap"})

    assert response.status_code == 400 and "min_price" in response.json()


def test_it_upserts_by_item_code_creating_then_updating(api):
    created = api.put("/items/by-code/SKU-9", {"name": "First", "popularity_score": 0.2}, format="json")
    updated = api.put("/items/by-code/SKU-9", {"name": "Second"}, format="json")

    assert created.status_code == 201, created.json()
    assert updated.status_code == 200, updated.json()
    assert updated.json()["id"] == created.json()["id"]
    item = Item.objects.get(item_code="SKU-9")
    assert (item.name, item.popularity_score) == ("Second", 0.2)


def test_it_refuses_an_upsert_whose_body_names_another_code(api):
    response = api.put("/items/by-code/SKU-9", {"item_code": "SKU-10", "name": "X"}, format="json")

    assert response.status_code == 400 and "item_code" in response.json()
    assert not Item.objects.exists()


def test_it_refuses_an_invalid_upsert_naming_the_field(api):
    response = api.put("/items/by-code/SKU-9", {"name": "X", "popularity_score": 2}, format="json")

    assert response.status_code == 400 and "popularity_score" in response.json()


def test_it_retrieves_updates_and_deletes_an_item(api, item_factory):
    item = item_factory(name="Old")

    assert api.get(f"/items/{item.pk}").json()["name"] == "Old"
    assert api.patch(f"/items/{item.pk}", {"is_active": False}, format="json").json()["is_active"] is False
    assert api.delete(f"/items/{item.pk}").status_code == 204
    assert api.get(f"/items/{item.pk}").status_code == 404


def test_it_needs_a_token(anon):
    assert anon.get("/items").status_code == 401
    assert anon.put("/items/by-code/X", {"name": "X"}, format="json").status_code == 401


def test_it_refuses_an_upsert_with_a_too_long_code(api):
    response = api.put(f"/items/by-code/{'X' * 65}", {"name": "X"}, format="json")

    assert response.status_code == 400 and "item_code" in response.json()


@pytest.mark.parametrize("known", [True, False])
def test_options_on_the_upsert_url_describes_it_instead_of_failing(staff_api, item_factory, known):
    if known:
        item_factory(item_code="SKU-7")

    response = staff_api.options("/items/by-code/SKU-7")

    assert response.status_code == 200
    assert "PUT" in response["Allow"]
