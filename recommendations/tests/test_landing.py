"""GET / (recommendations/staff/landing.py): a page of links for browsers, the same facts as JSON for
API clients; the active model, the storefront and /metrics for staff only."""
from __future__ import annotations

import datetime

import pytest
from django.test import Client

from recengine.testing.browser import admin_login, shot
from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
PUBLIC_LINKS = {"docs": "/docs", "redoc": "/redoc", "schema": "/api/schema/", "admin": "/admin/",
                "healthz": "/healthz", "readyz": "/readyz"}
ACTIVATED = datetime.datetime(2026, 12, 1, 3, 4, 5, tzinfo=datetime.UTC)


def active_version(algorithm: str = "itemknn") -> ModelVersion:
    return ModelVersion.objects.create(algorithm=algorithm, status=ModelVersion.Status.READY, is_active=True,
                                       activated_at=ACTIVATED)


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])  # no header: many HTTP libraries
def test_an_api_client_gets_the_public_facts_as_json(anon, settings, accept):
    active_version()

    response = anon.get("/", **({"HTTP_ACCEPT": accept} if accept else {}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"service": settings.API_TITLE, "api_version": settings.API_VERSION,
                               "links": PUBLIC_LINKS}


def test_a_token_that_is_not_staff_sees_what_anyone_sees(api):
    active_version()

    body = api.get("/", HTTP_ACCEPT="application/json").json()

    assert "active_model" not in body
    assert set(body["links"]) == set(PUBLIC_LINKS)


def test_with_private_docs_anyone_but_staff_gets_no_docs_links(anon, staff_api, settings):
    settings.API_DOCS_PUBLIC = False

    assert set(anon.get("/").json()["links"]) == {"admin", "healthz", "readyz"}
    assert {"docs", "redoc", "schema"} <= set(staff_api.get("/").json()["links"])


def test_staff_see_the_active_model_the_storefront_and_the_metrics(staff_api, settings):
    version = active_version("hybrid")
    settings.METRICS_TOKEN = "s3cret"

    body = staff_api.get("/").json()

    assert body["active_model"] == {"id": version.pk, "algorithm": "hybrid", "activated_at": "2026-12-01T03:04:05Z"}
    assert body["links"] == {**PUBLIC_LINKS, "storefront": "/storefront/", "metrics": "/metrics"}
    assert body["metrics_token_required"] is True
    assert "s3cret" not in staff_api.get("/").content.decode()


def test_staff_see_no_active_model_before_the_first_one(staff_api):
    ModelVersion.objects.create(algorithm="itemknn", status=ModelVersion.Status.READY)  # trained, not active

    body = staff_api.get("/").json()

    assert body["active_model"] is None
    assert body["metrics_token_required"] is False


def test_a_browser_gets_the_page_and_caches_keep_the_two_apart(client):
    active_version()

    response = client.get("/", HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    html = response.content.decode()
    assert '<a href="/docs">Swagger UI</a>' in html and '<a href="/healthz">' in html
    assert 'href="/admin/login/?next=/"' in html  # staff sign in from here
    for staff_only in ("Active model", "itemknn", 'href="/storefront/"', 'href="/metrics"'):
        assert staff_only not in html


def test_a_staff_browser_session_sees_the_model_on_the_page(client, staff_user):
    version = active_version()
    client.force_login(staff_user)

    html = client.get("/", HTTP_ACCEPT=BROWSER_ACCEPT).content.decode()

    assert f"v{version.pk} itemknn, activated 2026-12-01 03:04 UTC" in html
    assert 'href="/storefront/"' in html and 'href="/metrics"' in html
    assert "open (no <code>METRICS_TOKEN</code> set)" in html


def test_format_json_overrides_a_browsers_accept(client):
    response = client.get("/?format=json", HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response["Content-Type"] == "application/json"
    assert response.json()["links"] == PUBLIC_LINKS


def test_an_accept_it_cannot_answer_is_a_406_naming_what_it_can(anon):
    response = anon.get("/", HTTP_ACCEPT="image/png")

    assert response.status_code == 406
    assert response.json()["detail"] == "GET / answers text/html or application/json; send an Accept header with one."


def test_a_bad_token_is_refused_not_ignored(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert anon.get("/").status_code == 401


def test_it_is_left_out_of_the_openapi_schema(anon):
    paths = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    assert "/" not in paths
    assert "/recommendations/{user_id}" in paths


# -- in Chromium ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_admins_view_site_link_lands_on_the_page_with_the_model(page, browser_staff):
    from playwright.sync_api import expect

    version = active_version("hybrid")
    admin_login(page, browser_staff, "/admin/")

    page.get_by_role("link", name="View site").click()
    page.wait_for_url("**/")
    expect(page.locator("h1")).to_have_text("recengine API")
    expect(page.locator("#active-model")).to_contain_text(f"v{version.pk} hybrid, activated 2026-12-01 03:04 UTC")
    expect(page.locator("#staff a", has_text="Storefront")).to_have_attribute("href", "/storefront/")
    shot(page, "landing-1-staff")

    page.get_by_role("link", name="Swagger UI").click()
    expect(page.locator(".opblock-summary-path[data-path='/recommendations/{user_id}']").first).to_be_visible()
    assert page.js_errors == []


@pytest.mark.slow
def test_an_anonymous_visitor_sees_links_but_not_the_model(page, transactional_db, settings):
    from playwright.sync_api import expect

    active_version()
    page.goto("/")

    expect(page.locator("#api-version")).to_have_text(settings.API_VERSION)
    expect(page.locator("#api a", has_text="ReDoc")).to_have_attribute("href", "/redoc")
    expect(page.locator("#active-model")).to_have_count(0)
    expect(page.locator("#operations a[href='/metrics']")).to_have_count(0)
    shot(page, "landing-2-anonymous")

    page.get_by_role("link", name="Sign in").click()
    expect(page.locator("#id_username")).to_be_visible()
    assert page.js_errors == []
