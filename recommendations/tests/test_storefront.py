"""The demo storefront page (recommendations/staff/storefront.py) with Django's test client; test_browser.py runs it."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from recommendations.models import Interaction
from recommendations.testing.factories import ItemFactory, UserFactory

STATIC_FILES = ["storefront/storefront.js", "storefront/storefront.css"]
# Anything the browser would fetch from another host: scheme-relative or absolute URLs.
EXTERNAL_URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_it_sends_anonymous_visitors_to_the_admin_login(client, db):
    response = client.get("/storefront/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/storefront/"


def test_it_sends_non_staff_users_to_the_admin_login(client, api_user):
    client.force_login(api_user)
    response = client.get("/storefront/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_renders_the_page_with_its_assets_and_a_csrf_token(staff_client):
    response = staff_client.get("/storefront/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/static/storefront/storefront.js" defer></script>' in html
    assert 'href="/static/storefront/storefront.css"' in html
    assert re.search(r'<meta name="csrf-token" content="[A-Za-z0-9]{32,}">', html)
    assert "csrftoken" in response.cookies


def test_it_offers_recently_active_users_newest_first(staff_client):
    item = ItemFactory()
    quiet, earlier, latest = (UserFactory(username=name) for name in ("quiet", "earlier", "latest"))
    now = timezone.now()
    for user, age in ((earlier, timedelta(days=2)), (latest, timedelta(minutes=1))):
        Interaction.objects.create(
            user=user, item=item, interaction_type="view", interaction_value=1.0, timestamp=now - age
        )

    html = staff_client.get("/storefront/").content.decode()
    latest_at = html.index(f'<option value="{latest.pk}">latest (#{latest.pk})</option>')
    earlier_at = html.index(f'<option value="{earlier.pk}">earlier (#{earlier.pk})</option>')
    assert latest_at < earlier_at
    assert f'value="{quiet.pk}"' not in html


def test_it_loads_nothing_from_other_hosts(staff_client):
    html = staff_client.get("/storefront/").content.decode()
    assert EXTERNAL_URL.findall(html) == []
    for name in STATIC_FILES:
        path = finders.find(name)
        assert path, f"{name} is not collectable (STATICFILES_DIRS)"
        with open(path, encoding="utf-8") as handle:
            assert EXTERNAL_URL.findall(handle.read()) == [], name
