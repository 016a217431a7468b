"""Staff browse, search, filter, preview and (de)activate catalog items in the admin."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_redis import get_redis_connection

from catalog.models import Item
from recommendations.serving.cache import CATALOG_EPOCH_KEY

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_item_changelist")


def change_url(item) -> str:
    return reverse("admin:catalog_item_change", args=[item.pk])


def listed_codes(response) -> set[str]:
    return {item.item_code for item in response.context["cl"].result_list}


def epoch() -> int:
    return int(get_redis_connection("default").get(CATALOG_EPOCH_KEY) or 0)


def recommended_codes(api, user_id) -> tuple[list[str], bool]:
    body = api.get(f"/recommendations/{user_id}", {"limit": 10}).json()
    return [row["item_code"] for row in body["recommendations"]], body["cached"]


@pytest.fixture
def shelf(item_factory):
    return {
        "kettle": item_factory(item_code="KETTLE-1", name="Blue kettle", category="kitchen", price="24.90",
                               tags=["steel", "blue"], popularity_score=0.5),
        "novel": item_factory(item_code="NOVEL-7", name="A long novel", category="books", price="8.00",
                              tags=["fiction"], popularity_score=0.9),
        "lamp": item_factory(item_code="LAMP-2", name="Desk lamp", category="home", price=None, is_active=False),
    }


def test_the_list_and_the_item_page_load_for_staff(admin_client, shelf):
    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed_codes(response) == {"KETTLE-1", "NOVEL-7", "LAMP-2"}
    assert "popularity score" in response.content.decode().lower()
    assert admin_client.get(change_url(shelf["kettle"])).status_code == 200


def test_anonymous_and_non_staff_users_are_sent_to_the_login(client, django_user_model, shelf):
    urls = [CHANGELIST, change_url(shelf["kettle"])]
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("admin:login"))
    client.force_login(django_user_model.objects.create_user("shopper", email="shopper@example.com", password="x"))
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(("query", "expected"), [
    ({"q": "kettle"}, {"KETTLE-1"}),
    ({"q": "NOVEL"}, {"NOVEL-7"}),
    ({"q": "fiction"}, {"NOVEL-7"}),  # a tag
    ({"category": "books"}, {"NOVEL-7"}),
    ({"is_active__exact": "0"}, {"LAMP-2"}),
    ({"price_band": "under-10"}, {"NOVEL-7"}),
    ({"price_band": "10-50"}, {"KETTLE-1"}),
    ({"price_band": "none"}, {"LAMP-2"}),
])
def test_search_and_filters(admin_client, shelf, query, expected):
    response = admin_client.get(CHANGELIST, query)

    assert response.status_code == 200
    assert listed_codes(response) == expected


def test_search_by_id_matches_the_primary_key(admin_client, shelf):
    response = admin_client.get(CHANGELIST, {"q": str(shelf["lamp"].pk)})

    assert "LAMP-2" in listed_codes(response)


def test_the_item_page_previews_the_similar_items(admin_client, clusters, train):
    train()

    page = admin_client.get(change_url(clusters.items["a1"])).content.decode()

    assert "Similar items" in page
    for code in ("a2", "a3", "a4", "a5"):
        assert f"<td>{code}</td>" in page
    assert "<td>similar</td>" in page


def test_bulk_deactivate_invalidates_cached_lists_and_the_items_leave_the_lists(
        admin_client, api, clusters, train, django_capture_on_commit_callbacks):
    train()
    reader = clusters.readers[0]
    codes, _ = recommended_codes(api, reader.pk)
    assert "a1" in codes
    assert recommended_codes(api, reader.pk)[1] is True  # cached
    before = epoch()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(CHANGELIST, {
            "action": "deactivate", "_selected_action": clusters.ids("a1", "b1"),
        }, follow=True)

    assert "2 item(s) deactivated" in response.content.decode()
    assert set(Item.objects.filter(is_active=False).values_list("item_code", flat=True)) == {"a1", "b1"}
    assert epoch() == before + 1
    codes, cached = recommended_codes(api, reader.pk)
    assert cached is False
    assert codes and "a1" not in codes and "b1" not in codes


def test_deactivating_items_that_are_already_inactive_keeps_the_cache(admin_client, shelf,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client.post(CHANGELIST, {"action": "deactivate", "_selected_action": [shelf["lamp"].pk]})

    assert callbacks == [] and epoch() == 0


def test_bulk_activate(admin_client, shelf):
    response = admin_client.post(CHANGELIST, {"action": "activate", "_selected_action": [shelf["lamp"].pk]},
                                 follow=True)

    assert "1 item(s) activated" in response.content.decode()
    assert Item.objects.get(pk=shelf["lamp"].pk).is_active


def test_staff_who_may_only_view_items_get_no_bulk_actions(client, django_user_model, shelf):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_item"))
    client.force_login(viewer)

    client.post(CHANGELIST, {"action": "deactivate", "_selected_action": [shelf["kettle"].pk]})

    assert Item.objects.get(pk=shelf["kettle"].pk).is_active
