"""Staff find users in the admin and see their newest interactions and their recommendations."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.models import Interaction

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def test_the_list_and_the_user_page_load_for_staff(admin_client, user_factory):
    user = user_factory(username="ada", location="Lisbon")

    assert admin_client.get(CHANGELIST).status_code == 200
    assert admin_client.get(change_url(user)).status_code == 200


def test_anonymous_and_non_staff_users_are_sent_to_the_login(client, user_factory):
    user = user_factory(username="ada")
    urls = [CHANGELIST, change_url(user)]
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("admin:login"))
    client.force_login(user)
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("term", ["ada", "ada@example", "Lisbon"])
def test_search_by_username_email_and_location(admin_client, user_factory, term):
    user_factory(username="ada", location="Lisbon")
    user_factory(username="bob", location="Porto")

    listed = admin_client.get(CHANGELIST, {"q": term}).context["cl"].result_list

    assert [user.username for user in listed] == ["ada"]


def test_search_by_id_matches_the_primary_key(admin_client, user_factory):
    user = user_factory(username="ada")
    user_factory(username="bob")

    listed = admin_client.get(CHANGELIST, {"q": str(user.pk)}).context["cl"].result_list

    assert [found.pk for found in listed] == [user.pk]


def test_the_user_page_shows_the_newest_20_interactions_and_links_to_the_rest(admin_client, user_factory,
                                                                              item_factory):
    user, other = user_factory(username="ada"), user_factory(username="bob")
    items = [item_factory(item_code=f"IT-{n:02d}") for n in range(25)]
    start = timezone.now() - timedelta(days=1)
    Interaction.objects.bulk_create(
        Interaction(user=user, item=item, interaction_type="view", interaction_value=1.0,
                    timestamp=start + timedelta(minutes=n))
        for n, item in enumerate(items)
    )
    Interaction.objects.create(user=other, item=items[0], interaction_type="like", interaction_value=2.5)

    page = admin_client.get(change_url(user)).content.decode()

    block = page[page.index('id="recent-interactions"'):]
    block = block[:block.index("</table>")]
    assert block.count("<tr>") == 21  # the header and 20 rows
    assert "IT-24" in block and "IT-05" in block and "IT-04" not in block
    link = f"{reverse('admin:recommendations_interaction_changelist')}?user__id__exact={user.pk}"
    assert link in page
    listed = admin_client.get(link).context["cl"].result_list
    assert {row.user_id for row in listed} == {user.pk} and len(listed) == 25


def test_a_user_without_interactions_says_so(admin_client, user_factory):
    page = admin_client.get(change_url(user_factory(username="ada"))).content.decode()

    assert "No interactions." in page


def test_the_add_page_still_works(admin_client):
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
