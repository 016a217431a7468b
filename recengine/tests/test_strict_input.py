"""Request bodies take the JSON types the schema documents, and query parameters say what they mean.

Wrong types (0 for false, 42 for "42", "42" for 42), strings longer than documented, and empty,
repeated or meaningless query parameters are 400s naming the field; nothing is stored."""
from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import User
from catalog.models import Item
from recommendations.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("field", "value", "message"), [
    ("location", 0, "Expected a string, got an integer."),
    ("username", ["x"], "Expected a string, got an array."),
    ("email", 5, "Expected a string, got an integer."),
    ("age", "34", "Expected an integer, got a string."),
    ("age", 34.0, "Expected an integer, got a number."),
    ("age", True, "Expected an integer, got a boolean."),
    ("id", "77", "Expected an integer, got a string."),
])
def test_a_user_field_of_the_wrong_json_type_is_a_400_naming_it(api, field, value, message):
    body = {"username": "typed", field: value}

    response = api.post("/users", body, format="json")

    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not User.objects.filter(username="typed").exists()


@pytest.mark.parametrize(("field", "value"), [("is_active", 0), ("is_active", "true"), ("price", True),
                                              ("popularity_score", "0.5"), ("category", 3)])
def test_an_item_field_of_the_wrong_json_type_is_a_400(api, field, value):
    response = api.post("/items", {"item_code": "T-1", "name": "Typed", field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Item.objects.filter(item_code="T-1").exists()


@pytest.mark.parametrize("price", ["9.99", 9.99, 10])
def test_a_price_may_be_a_decimal_string_or_a_number(api, price):
    response = api.post("/items", {"item_code": "P-1", "name": "Priced", "price": price}, format="json")

    assert response.status_code == 201, response.json()
    assert Item.objects.get(item_code="P-1").price == Decimal(str(price))


def test_max_length_counts_the_characters_sent_not_those_left_after_trimming(api):
    # \x1c is whitespace to str.strip(): DRF would trim it and then count 255.
    name = "\x1c" + "n" * 255

    response = api.post("/items", {"item_code": "L-1", "name": name}, format="json")

    assert response.status_code == 400
    assert response.json()["name"] == ["Ensure this field has no more than 255 characters."]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("user_id", "1", "Expected an integer, got a string."),
    ("item_id", 1.0, "Expected an integer, got a number."),
    ("interaction_value", "1.5", "Expected a number, got a string."),
    ("event_id", 12, "Expected a string, got an integer."),
])
def test_an_event_field_of_the_wrong_json_type_is_a_400_single_and_in_a_batch(
        api, user_factory, item_factory, field, value, message):
    user, item = user_factory(), item_factory()
    event = {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view", field: value}

    single = api.post("/interactions", event, format="json")
    batch = api.post("/interactions/batch", [event], format="json")

    assert single.status_code == 400 and single.json()[field] == [message]
    assert batch.status_code == 400 and batch.json()["errors"] == [{"index": 0, "errors": {field: [message]}}]
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(("query", "name"), [
    ("is_active=null", "is_active"), ("is_active=1", "is_active"), ("is_active=", "is_active"),
    ("category=", "category"), ("category=a&category=b", "category"), ("min_price=", "min_price"),
    ("page=", "page"), ("page=abc", "page"), ("page=0", "page"), ("page=1&page=2", "page"),
])
def test_a_meaningless_item_filter_or_page_is_a_400_naming_it(api, query, name):
    response = api.get(f"/items?{query}")

    assert response.status_code == 400
    assert name in response.json()


def test_well_formed_item_filters_still_filter(api, item_factory):
    item_factory(item_code="on", is_active=True, category="a")
    item_factory(item_code="off", is_active=False, category="a")

    codes = {row["item_code"] for row in api.get("/items?is_active=FALSE&category=a&page=1").json()["results"]}

    assert codes == {"off"}


@pytest.mark.parametrize("query", ["page_size=0", "page_size=1001", "page_size=abc", "page_size=",
                                   "page_size=2&page_size=3", "until=", "user_id=1&user_id=2"])
def test_a_meaningless_interaction_listing_parameter_is_a_400(staff_api, query):
    response = staff_api.get(f"/interactions?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_a_page_size_in_range_is_used(staff_api, user_factory, item_factory):
    user, item = user_factory(), item_factory()
    for _ in range(3):
        Interaction.objects.create(user=user, item=item, interaction_type="view", interaction_value=1.0)

    response = staff_api.get("/interactions?page_size=2")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
