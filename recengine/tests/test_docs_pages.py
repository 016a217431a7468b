"""Swagger UI (/docs) and ReDoc (/redoc) from the project's own static files (drf-spectacular-sidecar),
never a CDN: they render in Chromium with every outside request refused, as offline or behind a
strict firewall. The production side (collectstatic, whitenoise) is in test_docker.py."""
from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from recengine.testing.browser import admin_login, shot

pytestmark = pytest.mark.django_db
# Anything a page would fetch from another host: scheme-relative or absolute URLs in src/href.
EXTERNAL_URL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)
ASSETS = re.compile(r"""(?:src|href)=["'](/static/[^"']+)["']""")
# ReDoc's bundle draws this logo in its sidebar; the page's Content-Security-Policy keeps it from loading.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def offline(page, live_server) -> None:
    """Refuse every request to another host, as a machine without internet would, and note the ones
    the page's Content-Security-Policy stopped before they left the browser (``page.csp_blocked``)."""
    page.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
    page.csp_blocked = []
    page.on("requestfailed", lambda req: page.csp_blocked.append(req.url) if req.failure == "csp" else None)
    page.console_errors = []
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)


def outside_requests(page, live_server) -> list[str]:
    """The requests the page sent to another host (none left the browser if CSP blocked them)."""
    return [url for url in page.requests
            if not url.startswith((live_server.url, "data:", "blob:")) and url not in page.csp_blocked]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_load_their_scripts_from_the_site(client, path):
    html = client.get(path).content.decode()

    assert EXTERNAL_URL.findall(html) == []
    assets = ASSETS.findall(html)
    assert any(asset.endswith(".js") for asset in assets)
    for asset in assets:  # each one is a file the project ships (the sidecar's, or the favicon)
        assert finders.find(asset.removeprefix("/static/")), asset


@pytest.mark.slow
def test_swagger_ui_renders_the_operations_offline(page, live_server):
    from playwright.sync_api import expect

    offline(page, live_server)
    page.goto("/docs")

    operation = page.locator(".opblock-get .opblock-summary-path[data-path='/recommendations/{user_id}']")
    expect(operation).to_be_visible()
    expect(page.locator(".opblock-post .opblock-summary-path[data-path='/interactions']")).to_be_visible()
    expect(page.locator(".info .title")).to_contain_text("recengine API")
    shot(page, "docs-1-swagger-ui")
    assert outside_requests(page, live_server) == []
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in page.requests)
    assert page.js_errors == []


@pytest.mark.slow
def test_redoc_renders_the_operations_offline(page, live_server):
    from playwright.sync_api import expect

    offline(page, live_server)
    page.goto("/redoc")

    expect(page.get_by_role("heading", name="Recommendations for a user")).to_be_visible()
    expect(page.locator("button", has_text="/recommendations/{user_id}").first).to_be_attached()
    shot(page, "docs-2-redoc")
    assert outside_requests(page, live_server) == []
    assert any("/static/drf_spectacular_sidecar/redoc/" in url for url in page.requests)
    assert page.js_errors == []
    # The policy (templates/drf_spectacular/redoc.html) stops only the sidebar's Redocly logo.
    assert page.csp_blocked == [REDOCLY_LOGO]
    assert [text for text in page.console_errors if REDOCLY_LOGO not in text] == []


@pytest.mark.slow
def test_with_private_docs_only_staff_see_them(page, live_server, browser_staff, settings):
    from playwright.sync_api import expect

    settings.API_DOCS_PUBLIC = False
    offline(page, live_server)
    response = page.goto("/docs")
    assert response.status in (401, 403)

    admin_login(page, browser_staff, "/docs")
    expect(page.locator(".opblock-summary-path[data-path='/recommendations/{user_id}']").first).to_be_visible()
    shot(page, "docs-3-swagger-ui-for-staff")
    assert outside_requests(page, live_server) == []
