"""The site's icon: /favicon.ico (whitenoise, from recengine/public/) for whoever asks the root, and
recengine/static/favicon.svg linked from the <head> of the admin, the storefront, the landing page
and ReDoc."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from recengine.testing.browser import admin_login, shot

pytestmark = pytest.mark.django_db

ICON_LINK = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
ICO_HEADER = b"\x00\x00\x01\x00"  # reserved, type 1 (icon)


def test_favicon_ico_is_an_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content).startswith(ICO_HEADER)


def test_the_linked_icon_is_a_static_file():
    assert Path(finders.find("favicon.svg")).read_text().lstrip().startswith("<svg")


@pytest.mark.parametrize(("path", "staff"), [("/admin/login/", False), ("/admin/", True), ("/storefront/", True),
                                             ("/", False), ("/", True), ("/redoc", False)])
def test_pages_link_the_icon_in_their_head(client, staff_user, path, staff):
    if staff:
        client.force_login(staff_user)

    response = client.get(path, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    html = response.content.decode()

    assert ICON_LINK in html.split("</head>")[0]


@pytest.mark.slow
def test_chromium_gets_both_icons_from_the_live_server(page, browser_staff):
    admin_login(page, browser_staff, "/storefront/")

    for path in ("/storefront/", "/admin/", "/"):
        page.goto(path)
        href = page.locator("link[rel=icon]").get_attribute("href")
        icon = page.request.get(href)
        assert (icon.status, icon.headers["content-type"]) == (200, "image/svg+xml"), path
    ico = page.request.get("/favicon.ico")
    assert (ico.status, ico.headers["content-type"]) == (200, "image/x-icon")
    assert ico.body().startswith(ICO_HEADER)
    shot(page, "favicon-landing-page")
