"""The Recommendations panel on the user's admin page: the live list, each source's list, the drop button."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_redis import get_redis_connection

from accounts.models import User
from recommendations.serving.cache import user_key
from recommendations.serving.stats import cache_stats_days
from recommendations.testing.clusters import interactions_add

pytestmark = pytest.mark.django_db


def change_url(user_id: int) -> str:
    return reverse("admin:accounts_user_change", args=[user_id])


def drop_url(user_id: int) -> str:
    return reverse("admin:accounts_user_drop_recommendations", args=[user_id])


def panel(client, user_id: int) -> str:
    page = client.get(change_url(user_id)).content.decode()
    start = page.index('id="recommendations-panel"')
    return page[start:]


def live_rows(html: str) -> list[str]:
    table = html[html.index('id="live-list"'):]
    table = table[:table.index("</table>")]
    return re.findall(r'<tr class="rec-row".*?</tr>', table, flags=re.S)


@pytest.fixture
def reader(clusters):
    """Bought three books; the model then has evidence for the other two."""
    user = User.objects.create(username="new-reader")
    interactions_add(user, [clusters.items[code] for code in ("a1", "a2", "a3")])
    return user


def test_it_shows_the_live_list_with_reasons_and_the_model_version(admin_client, reader, train):
    version = train()

    html = panel(admin_client, reader.pk)

    rows = live_rows(html)
    assert len(rows) == 7  # two books the model ranks, then the five records by popularity
    assert ">a4<" in rows[0] + rows[1] and ">a5<" in rows[0] + rows[1]
    # The reason names the item; the API's own reason is on hover.
    assert re.search(r'<td class="reason" title="reason in the API: similar_to:(a[123])">similar to A[123] \(\1\)</td>',
                     rows[0])
    assert 'title="reason in the API: popular">popular</td>' in rows[2] and ">b1<" in rows[2]
    assert f'id="live-model-version">v{version.pk}<' in html
    assert 'id="live-cached">no' in html
    assert "The active model" in html


def test_a_second_look_is_answered_from_the_cache_and_not_counted_as_traffic(admin_client, reader, train):
    train()
    panel(admin_client, reader.pk)

    assert 'id="live-cached">yes' in panel(admin_client, reader.pk)
    assert cache_stats_days(1)[0].requests == 0


def test_it_lays_out_each_source_of_a_hybrid(admin_client, reader, train):
    version = train("hybrid")

    html = panel(admin_client, reader.pk)

    titles = re.findall(r"<h4>(.*?)</h4>", html)
    assert titles == [
        f"Personalized model v{version.pk} (hybrid)", "Component ease", "Component als", "Component itemknn",
        "Item similarity: items like a3", "Popularity",
    ]
    itemknn = html[html.index("<h4>Component itemknn</h4>"):html.index("<h4>Item similarity")]
    assert sorted(re.findall(r"<td class=\"code\" title=\"[^\"]*\">(\w+)</td>", itemknn)) == ["a4", "a5"]


def test_it_renders_with_no_model_and_no_interactions(admin_client, clusters):
    newcomer = User.objects.create(username="newcomer")

    html = panel(admin_client, newcomer.pk)

    assert "no model is active" in html
    assert 'id="live-model-version">none (popularity)<' in html
    assert [re.search(r">(\w+)</a>", row).group(1) for row in live_rows(html)] == ["b1", "b2", "b3", "b4", "b5",
                                                                                   "a1", "a2", "a3", "a4", "a5"]
    assert "No interactions to score" not in html and "No active model." in html
    assert "nothing to be similar to" in html


def test_it_renders_for_a_user_with_no_interactions_under_a_model(admin_client, clusters, train):
    train()
    newcomer = User.objects.create(username="newcomer")

    html = panel(admin_client, newcomer.pk)

    assert "fewer than MIN_INTERACTIONS_FOR_PERSONALIZED" in html
    assert "No interactions to score" in html
    assert len(live_rows(html)) == 10


def test_the_drop_button_empties_the_users_cached_list(admin_client, reader, train):
    train()
    redis = get_redis_connection("default")
    assert 'id="drop-cache"' in panel(admin_client, reader.pk)
    assert redis.exists(user_key(reader.pk))

    response = admin_client.post(drop_url(reader.pk))

    assert response.status_code == 302 and response["Location"].endswith("#recommendations-panel")
    assert not redis.exists(user_key(reader.pk))


def test_dropping_needs_a_post_and_the_change_permission(client, admin_client, reader, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(viewer)
    assert 'id="drop-cache"' not in panel(client, reader.pk)
    redis = get_redis_connection("default")
    redis.set(user_key(reader.pk), b"x")

    assert admin_client.get(drop_url(reader.pk)).status_code == 405
    assert client.post(drop_url(reader.pk)).status_code == 403
    assert redis.get(user_key(reader.pk)) == b"x"


def test_dropping_is_refused_to_anonymous_and_non_staff_users(client, reader):
    redis = get_redis_connection("default")
    redis.set(user_key(reader.pk), b"x")

    assert client.post(drop_url(reader.pk))["Location"].startswith(reverse("admin:login"))
    client.force_login(reader)
    assert client.post(drop_url(reader.pk))["Location"].startswith(reverse("admin:login"))
    assert redis.get(user_key(reader.pk)) == b"x"
