"""Reasons with item names for the staff pages (recommendations/staff/reasons.py), and the storefront's
``GET /storefront/item-names`` that its script asks them from."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.staff.reasons import MAX_CODES, item_names, reason_codes, reason_label

pytestmark = pytest.mark.django_db

URL = "/storefront/item-names"


@pytest.fixture
def stove(item_factory):
    return item_factory(item_code="DEMO-374", name="Camping stove")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_a_similar_to_reason_names_the_item_and_its_code():
    names = {"DEMO-374": "Camping stove"}

    assert reason_label("similar_to:DEMO-374", names) == "similar to Camping stove (DEMO-374)"
    assert reason_label("similar_to:GONE-1", names) == "similar to GONE-1"  # deleted since: the code alone
    assert reason_label("popular", names) == "popular"
    assert reason_label("personalized", names) == "personalized"


def test_the_names_of_a_pages_codes_take_one_query(stove, item_factory):
    item_factory(item_code="DEMO-118", name="Down sleeping bag")
    reasons = ["similar_to:DEMO-374", "popular", "similar_to:DEMO-118", "similar_to:DEMO-374", "similar_to:NONE"]

    with CaptureQueriesContext(connection) as queries:
        names = item_names(reason_codes(reasons))

    assert names == {"DEMO-374": "Camping stove", "DEMO-118": "Down sleeping bag"}
    assert len(queries) == 1
    assert reason_codes(reasons) == ["DEMO-374", "DEMO-118", "NONE"]


def test_the_storefront_gets_the_names_of_the_codes_that_exist(staff_client, stove):
    response = staff_client.get(URL, {"code": ["DEMO-374", "UNKNOWN-9"]})

    assert response.status_code == 200
    assert response.json() == {"names": {"DEMO-374": "Camping stove"}}


@pytest.mark.parametrize(("codes", "message"), [
    ([], "Give at least one item code"),
    ([f"C-{n}" for n in range(MAX_CODES + 1)], f"At most {MAX_CODES} codes at once; {MAX_CODES + 1} given."),
])
def test_a_request_without_codes_or_with_too_many_is_a_400_naming_the_parameter(staff_client, codes, message):
    response = staff_client.get(URL, {"code": codes})

    assert response.status_code == 400
    assert message in response.json()["code"][0]


def test_only_staff_get_names_and_only_with_get(client, staff_user, api_user, stove):
    assert client.get(URL, {"code": "DEMO-374"}).status_code == 403
    client.force_login(api_user)
    response = client.get(URL, {"code": "DEMO-374"})
    assert response.status_code == 403 and "Staff only" in response.json()["detail"]
    assert response.json()["code"] == "permission_denied"  # the API's one error shape
    client.force_login(staff_user)
    assert client.post(URL, {"code": "DEMO-374"}).status_code == 405
    assert client.get(URL, {"code": "DEMO-374"}).status_code == 200
