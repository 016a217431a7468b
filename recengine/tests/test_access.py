"""Who may call what (recengine/permissions.py): API_PUBLIC_READS and API_DOCS_PUBLIC."""
from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_by_default_every_api_call_needs_a_token(anon, item_factory, user_factory):
    item, user = item_factory(), user_factory()

    for path in (f"/recommendations/{user.pk}", f"/items/{item.pk}", f"/items/{item.pk}/similar", "/items/popular",
                 f"/users/{user.pk}", "/interactions"):
        response = anon.get(path)
        assert response.status_code == 401, path
        assert response.json()["detail"] == "Authentication credentials were not provided."
    assert anon.post("/interactions", {}, format="json").status_code == 401


def test_public_reads_open_recommendations_and_the_catalog_only(anon, api, item_factory, user_factory, settings):
    settings.API_PUBLIC_READS = True
    item, user = item_factory(), user_factory()

    for path in (f"/recommendations/{user.pk}", f"/items/{item.pk}", f"/items/{item.pk}/similar", "/items/popular",
                 "/items"):
        assert anon.get(path).status_code == 200, path
    assert anon.get(f"/users/{user.pk}").status_code == 401  # user records stay private
    assert anon.get("/interactions").status_code == 401
    payload = {"user_id": user.pk, "item_id": item.pk, "interaction_type": "view"}
    assert anon.post("/interactions", payload, format="json").status_code == 401  # writes still need a token
    assert anon.patch(f"/items/{item.pk}", {"name": "x"}, format="json").status_code == 401
    assert api.get("/interactions").status_code == 403  # staff only, public reads or not


@pytest.mark.parametrize("path", ["/api/schema/", "/docs", "/redoc"])
def test_the_docs_are_public_by_default_and_staff_only_when_told(anon, api, staff_user, path, settings):
    assert anon.get(path).status_code == 200

    settings.API_DOCS_PUBLIC = False
    assert anon.get(path).status_code in (401, 403)
    assert api.get(path).status_code == 403  # a token of a user who is not staff
    browser = Client()
    browser.force_login(staff_user)
    assert browser.get(path).status_code == 200  # staff signed in to the admin
